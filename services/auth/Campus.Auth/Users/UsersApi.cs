using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Campus.Auth.Data;
using Campus.Auth.Tokens;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Users;

public sealed record SetRolesRequest([property: Required, OneOf(typeof(Roles), nameof(Roles.All))] string[] Roles);

public sealed record UserPage(IReadOnlyList<UserResponse> Items, int Total, int Limit, int Offset);

/// <summary>The caller's account, and user administration (admin role).</summary>
public static class UsersApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/auth").WithTags("Users").RequireAuthorization()
            .MapGet("/me", MeAsync)
            .WithName("GetMe")
            .WithSummary("The signed-in user.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        // The token's roles are checked first, then the caller's current roles and status in the database: a token issued
        // before a demotion or a block must not administer anything, even when the revocation deny-list is unreachable.
        var admin = routes.MapGroup("/api/auth/users").WithTags("User administration")
            .RequireAuthorization(Policies.Admin)
            .AddEndpointFilter(RequireCurrentAdminAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapGet("/", ListAsync)
            .WithName("ListUsers")
            .WithSummary("Users, newest first, optionally filtered by a phone or e-mail fragment.")
            .ProducesValidationProblem();

        admin.MapPut("/{id:guid}/roles", SetRolesAsync)
            .WithName("SetUserRoles")
            .WithSummary("Replaces a user's roles (student, author, moderator, manager, admin); their access tokens stop working at once.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapPost("/{id:guid}/block", BlockAsync)
            .WithName("BlockUser")
            .WithSummary("Blocks a user: no sign-in, no refresh; their sessions are revoked.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapPost("/{id:guid}/unblock", UnblockAsync)
            .WithName("UnblockUser")
            .WithSummary("Lets a blocked user sign in again.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return routes;
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal principal, AuthDbContext db, CancellationToken ct)
    {
        var id = principal.UserId();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct);
        return user is null
            ? Problems.Create(StatusCodes.Status404NotFound, "user_not_found", "The account of this token no longer exists.")
            : TypedResults.Ok(UserResponse.From(user));
    }

    public static async Task<Results<Ok<UserPage>, ProblemHttpResult>> ListAsync(
        AuthDbContext db, CancellationToken ct, string? search = null, int limit = Paging.DefaultLimit, int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        var query = db.Users.AsNoTracking();
        if (search?.Trim() is { Length: > 0 } term)
        {
            var pattern = "%" + term.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            query = query.Where(u => EF.Functions.Like(u.Phone!, pattern) || EF.Functions.Like(u.Email!, pattern));
        }
        var total = await query.CountAsync(ct);
        var users = await query.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id)
            .Skip(offset).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(new UserPage(users.Select(UserResponse.From).ToList(), total, limit, offset));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> SetRolesAsync(
        Guid id, SetRolesRequest request, ClaimsPrincipal principal, AuthDbContext db, TokenIssuer issuer, TimeProvider time, CancellationToken ct)
    {
        var roles = request.Roles.Select(role => role.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (roles.Length == 0 || roles.Any(role => !Roles.All.Contains(role)))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_roles",
                $"roles must be a non-empty list of: {string.Join(", ", Roles.All)}.");
        }
        if (principal.UserId() == id)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "cannot_change_own_roles", "An admin cannot change their own roles.");
        }
        await using var transaction = await BeginAdminChangeAsync(db, ct);
        if (await CurrentAdminProblemAsync(principal, db, ct) is { } notAdmin)
        {
            return notAdmin;
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return UserNotFound();
        }
        var newRoles = Roles.All.Where(roles.Contains).ToArray();
        if (newRoles.SequenceEqual(user.Roles))
        {
            return TypedResults.Ok(UserResponse.From(user));
        }
        if (!newRoles.Contains(Roles.Admin) && await IsLastActiveAdminAsync(db, user, ct))
        {
            return LastAdmin();
        }
        user.Roles = newRoles;
        user.UpdatedAt = time.GetUtcNow();
        db.AddOutboxMessage(UserChanged.Of(user, user.UpdatedAt));
        await db.SaveChangesAsync(ct);
        // Sessions stay: the user's access tokens are void at once, and the next refresh issues one with the new roles.
        var version = await issuer.RaiseSecurityVersionAsync(id, ct);
        await transaction.CommitAsync(ct);
        await issuer.AnnounceUserRevokedAsync(id, version);
        return TypedResults.Ok(UserResponse.From(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> BlockAsync(
        Guid id, ClaimsPrincipal principal, AuthDbContext db, TokenIssuer issuer, TimeProvider time, CancellationToken ct)
    {
        if (principal.UserId() == id)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "cannot_block_self", "An admin cannot block their own account.");
        }
        await using var transaction = await BeginAdminChangeAsync(db, ct);
        if (await CurrentAdminProblemAsync(principal, db, ct) is { } notAdmin)
        {
            return notAdmin;
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return UserNotFound();
        }
        if (await IsLastActiveAdminAsync(db, user, ct))
        {
            return LastAdmin();
        }
        var wasBlocked = user.Status == UserStatus.Blocked;
        user.Status = UserStatus.Blocked;
        user.UpdatedAt = time.GetUtcNow();
        if (!wasBlocked)
        {
            db.AddOutboxMessage(UserChanged.Of(user, user.UpdatedAt));
        }
        await db.SaveChangesAsync(ct);
        var version = await issuer.RevokeAllSessionsAsync(id, "blocked", ct);
        await transaction.CommitAsync(ct);
        // Also when already blocked: announcing again costs nothing and repairs a revocation Redis missed.
        await issuer.AnnounceUserRevokedAsync(id, version);
        return TypedResults.Ok(UserResponse.From(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UnblockAsync(
        Guid id, ClaimsPrincipal principal, AuthDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (principal.UserId() == id)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "cannot_unblock_self", "An admin cannot unblock their own account.");
        }
        await using var transaction = await BeginAdminChangeAsync(db, ct);
        if (await CurrentAdminProblemAsync(principal, db, ct) is { } notAdmin)
        {
            return notAdmin;
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return UserNotFound();
        }
        if (user.Status == UserStatus.Blocked)
        {
            // An e-mail-only account that never confirmed goes back to waiting for its confirmation.
            user.Status = user.Email is not null && user.EmailConfirmedAt is null && user.Phone is null
                ? UserStatus.PendingConfirmation
                : UserStatus.Active;
            user.UpdatedAt = time.GetUtcNow();
            db.AddOutboxMessage(UserChanged.Of(user, user.UpdatedAt));
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(UserResponse.From(user));
    }

    /// <summary>The group's filter: the caller must be an active admin now, not only when the token was issued.</summary>
    private static async ValueTask<object?> RequireCurrentAdminAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var db = http.RequestServices.GetRequiredService<AuthDbContext>();
        return await CurrentAdminProblemAsync(http.User, db, http.RequestAborted) is { } problem ? problem : await next(context);
    }

    private static async Task<ProblemHttpResult?> CurrentAdminProblemAsync(ClaimsPrincipal principal, AuthDbContext db, CancellationToken ct)
    {
        var id = principal.UserId();
        var caller = await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => new { u.Status, u.Roles }).FirstOrDefaultAsync(ct);
        return caller is { Status: UserStatus.Active } && caller.Roles.Contains(Roles.Admin)
            ? null
            : Problems.Create(StatusCodes.Status403Forbidden, "admin_required",
                "Only an active admin administers users.", "Your account is not (or no longer) an active admin.");
    }

    /// <summary>
    /// Role and status changes run one at a time (a transaction-scoped advisory lock), so two admins demoting or blocking
    /// each other concurrently cannot both succeed and leave no admin: the second sees that its caller is no admin anymore.
    /// </summary>
    private static async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginAdminChangeAsync(AuthDbContext db, CancellationToken ct)
    {
        var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdminChangesLock})", ct);
        return transaction;
    }

    /// <summary>The advisory lock key of role and status changes (any constant unique within the auth database).</summary>
    private const long AdminChangesLock = 0x43616d7075735f41; // "Campus_A"

    private static async Task<bool> IsLastActiveAdminAsync(AuthDbContext db, User target, CancellationToken ct) =>
        target.Status == UserStatus.Active && target.Roles.Contains(Roles.Admin)
        && !await db.Users.AnyAsync(u => u.Id != target.Id && u.Status == UserStatus.Active && u.Roles.Contains(Roles.Admin), ct);

    private static ProblemHttpResult LastAdmin() =>
        Problems.Create(StatusCodes.Status409Conflict, "last_admin", "The last active admin cannot be demoted or blocked.");

    private static ProblemHttpResult UserNotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "user_not_found", "No user with this id.");
}
