using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Campus.Auth.Data;
using Campus.Auth.Tokens;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Users;

public sealed record SetRolesRequest([property: Required] string[] Roles);

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

        var admin = routes.MapGroup("/api/auth/users").WithTags("User administration")
            .RequireAuthorization(policy => policy.RequireRole(Roles.Admin))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapGet("/", ListAsync)
            .WithName("ListUsers")
            .WithSummary("Users, newest first, optionally filtered by a phone or e-mail fragment.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        admin.MapPut("/{id:guid}/roles", SetRolesAsync)
            .WithName("SetUserRoles")
            .WithSummary("Replaces a user's roles (student, author, moderator, admin).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPost("/{id:guid}/block", BlockAsync)
            .WithName("BlockUser")
            .WithSummary("Blocks a user: no sign-in, no refresh; their sessions are revoked.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapPost("/{id:guid}/unblock", UnblockAsync)
            .WithName("UnblockUser")
            .WithSummary("Lets a blocked user sign in again.")
            .ProducesProblem(StatusCodes.Status404NotFound);

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
        AuthDbContext db, CancellationToken ct, string? search = null, int limit = 20, int offset = 0)
    {
        if (limit is < 1 or > MaxPageSize || offset < 0)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_page", $"limit must be 1..{MaxPageSize} and offset >= 0.");
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
        Guid id, SetRolesRequest request, AuthDbContext db, TimeProvider time, CancellationToken ct)
    {
        var roles = request.Roles.Select(role => role.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (roles.Length == 0 || roles.Any(role => !Roles.All.Contains(role)))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_roles",
                $"roles must be a non-empty list of: {string.Join(", ", Roles.All)}.");
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return UserNotFound();
        }
        // Access tokens carry the roles for up to an hour; the next refresh issues the new ones.
        user.Roles = [.. Roles.All.Where(roles.Contains)];
        user.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(UserResponse.From(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> BlockAsync(
        Guid id, ClaimsPrincipal principal, AuthDbContext db, TokenIssuer issuer, TimeProvider time, CancellationToken ct)
    {
        if (principal.UserId() == id)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "cannot_block_self", "An admin cannot block their own account.");
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return UserNotFound();
        }
        user.Status = UserStatus.Blocked;
        user.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await issuer.RevokeAllSessionsAsync(id, "blocked", ct);
        return TypedResults.Ok(UserResponse.From(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UnblockAsync(
        Guid id, AuthDbContext db, TimeProvider time, CancellationToken ct)
    {
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
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(UserResponse.From(user));
    }

    private static ProblemHttpResult UserNotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "user_not_found", "No user with this id.");
}
