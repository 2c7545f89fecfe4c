using System.Globalization;
using System.Security.Claims;
using Campus.Messaging.Outbox;
using Campus.Profile.Data;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Profiles;

/// <summary>The caller's profile and its history; admins read and change anyone's.</summary>
public static class ProfilesApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapProfilesApi(this IEndpointRouteBuilder routes)
    {
        var own = routes.MapGroup("/api/profile").WithTags("Profile").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        own.MapGet("/", GetOwnAsync)
            .WithName("GetProfile")
            .WithSummary("The caller's profile (created empty on first read).");

        own.MapPut("/", UpdateOwnAsync)
            .WithName("UpdateProfile")
            .WithSummary("Replaces the caller's editable fields except the department (admins change it); every changed field is written to the history.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        own.MapGet("/history", HistoryAsync)
            .WithName("GetProfileHistory")
            .WithSummary("Changes of the caller's profile, newest first; admins may pass user_id for anyone's.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        var admin = routes.MapGroup("/api/profile/users").WithTags("Profile administration")
            .RequireAuthorization(Policies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapGet("/{id:guid}", GetAsync)
            .WithName("GetUserProfile")
            .WithSummary("Any user's profile.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPut("/{id:guid}", UpdateAsync)
            .WithName("UpdateUserProfile")
            .WithSummary("Replaces any user's editable fields, the department included; the history names the admin as the author.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return routes;
    }

    public static async Task<Ok<ProfileResponse>> GetOwnAsync(
        ClaimsPrincipal principal, ProfileDbContext db, IObjectStorage storage, TimeProvider time, CancellationToken ct)
    {
        var profile = await ProfileStore.GetOrCreateAsync(db, principal.UserId(), time.GetUtcNow(), ct);
        return TypedResults.Ok(await ToResponseAsync(profile, storage));
    }

    public static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> UpdateOwnAsync(
        UpdateProfileRequest request, ClaimsPrincipal principal, ProfileDbContext db, IObjectStorage storage, TimeProvider time,
        CancellationToken ct)
    {
        var me = principal.UserId();
        var profile = await ProfileStore.GetOrCreateAsync(db, me, time.GetUtcNow(), ct);
        // The department decides who manages whom, so only an admin changes it (PUT /users/{id}, also their own).
        // Here an absent, null or blank department keeps the current one (a user cannot clear it either); the same
        // value is fine; any other value is refused before anything else is looked at.
        var department = string.IsNullOrWhiteSpace(request.Department) ? null : request.Department.Trim();
        if (department is null)
        {
            request = request with { Department = profile.Department };
        }
        else if (!string.Equals(department, profile.Department, StringComparison.Ordinal))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "department_admin_only",
                "Only an admin changes a department (PUT /api/profile/users/{id}); send the current one or leave it out.");
        }
        return await ApplyAsync(profile, request, me, db, storage, time, ct);
    }

    public static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ProfileDbContext db, IObjectStorage storage, CancellationToken ct)
    {
        var profile = await db.Profiles.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == id, ct);
        return profile is null ? NotFound() : TypedResults.Ok(await ToResponseAsync(profile, storage));
    }

    public static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, UpdateProfileRequest request, ClaimsPrincipal principal, ProfileDbContext db, IObjectStorage storage,
        TimeProvider time, CancellationToken ct)
    {
        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.UserId == id, ct);
        return profile is null ? NotFound() : await ApplyAsync(profile, request, principal.UserId(), db, storage, time, ct);
    }

    public static async Task<Results<Ok<ProfileHistoryPage>, ProblemHttpResult>> HistoryAsync(
        ClaimsPrincipal principal, ProfileDbContext db, CancellationToken ct,
        [FromQuery(Name = "user_id")] Guid? userId = null,
        [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit, [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        var me = principal.UserId();
        var target = userId ?? me;
        if (target != me && !principal.IsAdmin())
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "forbidden", "Only admins read another user's history.");
        }
        var history = db.ProfileHistory.AsNoTracking().Where(e => e.UserId == target);
        var items = await history
            .OrderByDescending(e => e.ChangedAt).ThenByDescending(e => e.Id)
            .Skip(offset).Take(limit)
            .Select(e => new ProfileHistoryItem(e.Field, e.OldValue, e.NewValue, e.ChangedBy, e.ChangedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(new ProfileHistoryPage(items, await history.CountAsync(ct), limit, offset));
    }

    /// <summary>
    /// Validates <paramref name="request"/>, sets the fields that differ, and writes one history row per changed field
    /// plus <see cref="ProfileUpdated"/> in the same transaction. Nothing changed → nothing written.
    /// </summary>
    private static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> ApplyAsync(
        UserProfile profile, UpdateProfileRequest request, Guid changedBy, ProfileDbContext db, IObjectStorage storage,
        TimeProvider time, CancellationToken ct)
    {
        var (values, errors) = Normalize(request);
        if (request.ExperienceLevelId is { } levelId && !await db.ExperienceLevels.AnyAsync(l => l.Id == levelId, ct))
        {
            errors["experience_level_id"] = ["No experience level with this id."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var now = time.GetUtcNow();
        var changed = new List<string>();
        foreach (var field in Fields)
        {
            var oldValue = field.Get(profile);
            var newValue = values[field.Name];
            if (string.Equals(oldValue, newValue, StringComparison.Ordinal))
            {
                continue;
            }
            field.Set(profile, newValue);
            changed.Add(field.Name);
            db.ProfileHistory.Add(new ProfileHistoryEntry
            {
                UserId = profile.UserId, Field = field.Name, OldValue = oldValue, NewValue = newValue,
                ChangedBy = changedBy, ChangedAt = now,
            });
        }
        if (changed.Count > 0)
        {
            profile.UpdatedAt = now;
            db.AddOutboxMessage(ProfileUpdated.Of(profile, [.. changed], changedBy));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                return Problems.Create(StatusCodes.Status409Conflict, "concurrent_update",
                    "The profile was changed at the same time; read it again and retry.");
            }
        }
        return TypedResults.Ok(await ToResponseAsync(profile, storage));
    }

    private static (Dictionary<string, string?> Values, Dictionary<string, string[]> Errors) Normalize(UpdateProfileRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        var values = new Dictionary<string, string?>();

        void Text(string name, string? value, int maxLength)
        {
            var text = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
            if (value?.Length > maxLength)
            {
                errors[name] = [$"At most {maxLength} characters."];
            }
            values[name] = text;
        }

        Text("first_name", request.FirstName, ProfileRules.NameLength);
        Text("middle_name", request.MiddleName, ProfileRules.NameLength);
        Text("last_name", request.LastName, ProfileRules.NameLength);
        Text("display_name", request.DisplayName, ProfileRules.NameLength);
        Text("job_title", request.JobTitle, ProfileRules.TitleLength);
        Text("department", request.Department, ProfileRules.TitleLength);
        Text("about", request.About, ProfileRules.AboutLength);
        Text("city", request.City, ProfileRules.NameLength);
        Text("time_zone", request.TimeZone, ProfileRules.TimeZoneLength);
        Text("locale", request.Locale, ProfileRules.LocaleLength);
        values["experience_level_id"] = request.ExperienceLevelId?.ToString();

        if (values["time_zone"] is { } zone && !errors.ContainsKey("time_zone") && !ProfileRules.IsKnownTimeZone(zone))
        {
            errors["time_zone"] = ["Unknown IANA time zone, e.g. Europe/Moscow."];
        }
        if (values["locale"] is { } locale && !errors.ContainsKey("locale"))
        {
            values["locale"] = ProfileRules.FindLocale(locale);
            if (values["locale"] is null)
            {
                errors["locale"] = [$"Unknown locale; one of: {string.Join(", ", ProfileRules.Locales)}."];
            }
        }
        return (values, errors);
    }

    private sealed record Field(string Name, Func<UserProfile, string?> Get, Action<UserProfile, string?> Set);

    private static readonly Field[] Fields =
    [
        new("first_name", p => p.FirstName, (p, v) => p.FirstName = v),
        new("middle_name", p => p.MiddleName, (p, v) => p.MiddleName = v),
        new("last_name", p => p.LastName, (p, v) => p.LastName = v),
        new("display_name", p => p.DisplayName, (p, v) => p.DisplayName = v),
        new("job_title", p => p.JobTitle, (p, v) => p.JobTitle = v),
        new("department", p => p.Department, (p, v) => p.Department = v),
        new("experience_level_id", p => p.ExperienceLevelId?.ToString(), (p, v) => p.ExperienceLevelId = v is null ? null : Guid.Parse(v, CultureInfo.InvariantCulture)),
        new("about", p => p.About, (p, v) => p.About = v),
        new("city", p => p.City, (p, v) => p.City = v),
        new("time_zone", p => p.TimeZone, (p, v) => p.TimeZone = v),
        new("locale", p => p.Locale, (p, v) => p.Locale = v),
    ];

    internal static async Task<ProfileResponse> ToResponseAsync(UserProfile profile, IObjectStorage storage)
    {
        var avatarUrl = profile.AvatarKey is { } key
            ? (await storage.PresignDownloadAsync(StorageBuckets.Avatars, key)).Url.AbsoluteUri
            : null;
        return ProfileResponse.From(profile, avatarUrl);
    }

    /// <summary>The caller's user id; the authorization policy guarantees a valid <c>sub</c>.</summary>

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "profile_not_found", "No profile for this user.");
}
