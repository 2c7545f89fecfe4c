using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Campus.Auth.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Users;

public sealed record SetRolesRequest(
    [property: Required, OneOf(typeof(Roles), nameof(Roles.All), Schema = Roles.Schema), Bounds(MaxItems = SetRolesRequest.MaxItems)] string[] Roles)
{
    /// <summary>The most items <c>roles</c> takes (each role once is 5; a repeated one is taken once).</summary>
    public const int MaxItems = 16;
}

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
            .ProducesValidationProblem()
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
        AuthDbContext db, CancellationToken ct, [Bounds(MaxLength = Paging.MaxSearchLength)] string? search = null,
        [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit, [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        if (Paging.CheckSearch(search) is { } invalidSearch)
        {
            return invalidSearch;
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
        Guid id, SetRolesRequest request, ClaimsPrincipal principal, UserAdministration administration, CancellationToken ct) =>
        Map(request.Roles.Length > SetRolesRequest.MaxItems
                ? new UserAdministrationResult.InvalidRoles()
                : await administration.SetRolesAsync(principal.UserId(), id, request.Roles, ct),
            "cannot_change_own_roles", "An admin cannot change their own roles.");

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> BlockAsync(
        Guid id, ClaimsPrincipal principal, UserAdministration administration, CancellationToken ct) =>
        Map(await administration.BlockAsync(principal.UserId(), id, ct),
            "cannot_block_self", "An admin cannot block their own account.");

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UnblockAsync(
        Guid id, ClaimsPrincipal principal, UserAdministration administration, CancellationToken ct) =>
        Map(await administration.UnblockAsync(principal.UserId(), id, ct),
            "cannot_unblock_self", "An admin cannot unblock their own account.");

    /// <summary>The group's filter: the caller must be an active admin now, not only when the token was issued.</summary>
    private static async ValueTask<object?> RequireCurrentAdminAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var administration = http.RequestServices.GetRequiredService<UserAdministration>();
        return await administration.IsActiveAdminAsync(http.User.UserId(), http.RequestAborted) ? await next(context) : AdminRequired();
    }

    // The conflict of an admin naming their own account differs per change; the other outcomes are shared.
    private static Results<Ok<UserResponse>, ProblemHttpResult> Map(UserAdministrationResult result, string ownAccountCode, string ownAccountTitle) =>
        result switch
        {
            UserAdministrationResult.Done done => TypedResults.Ok(done.User),
            UserAdministrationResult.InvalidRoles => Problems.InvalidField("roles",
                $"roles must be a non-empty list of: {string.Join(", ", Roles.All)} (at most {SetRolesRequest.MaxItems} items).", "invalid_roles"),
            UserAdministrationResult.OwnAccount => Problems.Create(StatusCodes.Status409Conflict, ownAccountCode, ownAccountTitle),
            UserAdministrationResult.NotAdmin => AdminRequired(),
            UserAdministrationResult.NotFound => Problems.Create(StatusCodes.Status404NotFound, "user_not_found", "No user with this id."),
            UserAdministrationResult.LastAdmin => Problems.Create(StatusCodes.Status409Conflict, "last_admin",
                "The last active admin cannot be demoted or blocked."),
            _ => throw new InvalidOperationException($"Unexpected user administration result {result.GetType().Name}."),
        };

    private static ProblemHttpResult AdminRequired() =>
        Problems.Create(StatusCodes.Status403Forbidden, "admin_required",
            "Only an active admin administers users.", "Your account is not (or no longer) an active admin.");
}
