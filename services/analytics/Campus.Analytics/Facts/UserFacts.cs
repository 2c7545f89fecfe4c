using Campus.Analytics.Data;
using Campus.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// <c>users</c> from auth (roles, status, contacts, registration, sign-ins; ordered by <c>auth_version</c>) and profile
/// (name, department, time zone; ordered by <c>profile_version</c>). Either side may come first: the row is created by
/// whichever arrives and completed by the other; an older event of a side never overwrites a newer one.
/// </summary>
public sealed class UserFacts(AnalyticsDbContext db, TimeProvider time) :
    IIntegrationEventHandler<UserRegistered>, IIntegrationEventHandler<UserChanged>, IIntegrationEventHandler<UserSignedIn>,
    IIntegrationEventHandler<UserSnapshot>, IIntegrationEventHandler<ProfileUpdated>, IIntegrationEventHandler<ProfileSnapshot>
{
    public Task HandleAsync(UserRegistered evt, MessageContext context, CancellationToken ct) =>
        UpsertAuthAsync(evt.UserId, evt.Phone, evt.Email, evt.Roles, "active", evt.OccurredAt, null, evt.OccurredAt.ToUniversalTime(), ct);

    public Task HandleAsync(UserSnapshot evt, MessageContext context, CancellationToken ct) =>
        UpsertAuthAsync(evt.UserId, evt.Phone, evt.Email, evt.Roles, evt.Status, evt.RegisteredAt, evt.LastSignInAt, evt.OccurredAt, ct);

    public Task HandleAsync(UserChanged evt, MessageContext context, CancellationToken ct) =>
        UpsertAuthAsync(evt.UserId, null, null, evt.Roles, evt.Status, null, null, evt.OccurredAt, ct);

    /// <summary>The last sign-in (the newest wins) and the day's sign-in counter (each event counted once).</summary>
    public async Task HandleAsync(UserSignedIn evt, MessageContext context, CancellationToken ct)
    {
        var at = evt.OccurredAt.ToUniversalTime();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await Inbox.FirstTimeAsync(db, evt.Id, time, ct))
        {
            return;
        }
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO users (user_id, roles, status, last_sign_in_at) VALUES ({evt.UserId}, ARRAY[]::text[], 'active', {at})
            ON CONFLICT (user_id) DO UPDATE SET last_sign_in_at = GREATEST(users.last_sign_in_at, EXCLUDED.last_sign_in_at)
            """, ct);
        await ActivityCounters.CountAsync(db, evt.UserId, at, signIns: 1, ct: ct);
        await transaction.CommitAsync(ct);
    }

    public Task HandleAsync(ProfileUpdated evt, MessageContext context, CancellationToken ct) =>
        UpsertProfileAsync(evt.UserId, evt.DisplayName, evt.Department, evt.TimeZone, evt.OccurredAt, ct);

    public Task HandleAsync(ProfileSnapshot evt, MessageContext context, CancellationToken ct) =>
        UpsertProfileAsync(evt.UserId, evt.DisplayName, evt.Department, evt.TimeZone, evt.OccurredAt, ct);

    /// <summary>
    /// Auth's side. Contacts and the registration time fill gaps from any event (they are set once); roles and status
    /// follow the newest auth event. Auth's <c>pending_confirmation</c> counts as active (it can only follow an unblock).
    /// </summary>
    private Task UpsertAuthAsync(
        Guid userId, string? phone, string? email, string[] roles, string status, DateTimeOffset? registeredAt, DateTimeOffset? lastSignInAt,
        DateTimeOffset version, CancellationToken ct)
    {
        var state = status == "blocked" ? "blocked" : "active";
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO users (user_id, phone, email, roles, status, registered_at, last_sign_in_at, auth_version)
            VALUES ({userId}, {phone}::text, {email}::text, {roles}, {state}, {registeredAt?.ToUniversalTime()}::timestamptz,
                    {lastSignInAt?.ToUniversalTime()}::timestamptz, {version.ToUniversalTime()})
            ON CONFLICT (user_id) DO UPDATE SET
                phone = CASE WHEN users.auth_version IS NULL OR users.auth_version <= EXCLUDED.auth_version
                             THEN COALESCE(EXCLUDED.phone, users.phone) ELSE COALESCE(users.phone, EXCLUDED.phone) END,
                email = CASE WHEN users.auth_version IS NULL OR users.auth_version <= EXCLUDED.auth_version
                             THEN COALESCE(EXCLUDED.email, users.email) ELSE COALESCE(users.email, EXCLUDED.email) END,
                roles = CASE WHEN users.auth_version IS NULL OR users.auth_version <= EXCLUDED.auth_version THEN EXCLUDED.roles ELSE users.roles END,
                status = CASE WHEN users.auth_version IS NULL OR users.auth_version <= EXCLUDED.auth_version THEN EXCLUDED.status ELSE users.status END,
                registered_at = COALESCE(users.registered_at, EXCLUDED.registered_at),
                last_sign_in_at = GREATEST(users.last_sign_in_at, EXCLUDED.last_sign_in_at),
                auth_version = GREATEST(users.auth_version, EXCLUDED.auth_version)
            """, ct);
    }

    /// <summary>Profile's side: every event carries the current values, so the newest one wins outright.</summary>
    private Task UpsertProfileAsync(Guid userId, string? displayName, string? department, string? timeZone, DateTimeOffset version, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO users (user_id, display_name, department, time_zone, roles, status, profile_version)
            VALUES ({userId}, {displayName}::text, {Blank(department)}::text, {timeZone}::text, ARRAY[]::text[], 'active', {version.ToUniversalTime()})
            ON CONFLICT (user_id) DO UPDATE SET
                display_name = EXCLUDED.display_name, department = EXCLUDED.department, time_zone = EXCLUDED.time_zone,
                profile_version = EXCLUDED.profile_version
            WHERE users.profile_version IS NULL OR users.profile_version <= EXCLUDED.profile_version
            """, ct);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
