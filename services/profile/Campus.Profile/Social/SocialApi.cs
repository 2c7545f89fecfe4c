using System.Security.Claims;
using Campus.Profile.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Social;

public sealed record SocialBindingResponse(string Provider, string ExternalId, string? Username, DateTimeOffset LinkedAt);

/// <summary>
/// The caller's linked external accounts. Bindings are created from events of the link flows (the Telegram flow lives
/// in the notifications issue); this service only lists and unlinks them so far.
/// </summary>
public static class SocialApi
{
    public static IEndpointRouteBuilder MapSocialApi(this IEndpointRouteBuilder routes)
    {
        var social = routes.MapGroup("/api/profile/social").WithTags("Social bindings").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        social.MapGet("/", ListAsync)
            .WithName("ListSocialBindings")
            .WithSummary("The caller's linked external accounts.");

        social.MapDelete("/{provider}", UnlinkAsync)
            .WithName("UnlinkSocialBinding")
            .WithSummary("Unlinks the caller's account at a provider.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    public static async Task<Ok<List<SocialBindingResponse>>> ListAsync(ClaimsPrincipal principal, ProfileDbContext db, CancellationToken ct)
    {
        var me = principal.UserId();
        return TypedResults.Ok(await db.SocialBindings.AsNoTracking().Where(b => b.UserId == me).OrderBy(b => b.Provider)
            .Select(b => new SocialBindingResponse(b.Provider, b.ExternalId, b.Username, b.LinkedAt)).ToListAsync(ct));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> UnlinkAsync(
        [Bounds(MaxLength = SocialBinding.ProviderLength)] string provider, ClaimsPrincipal principal, ProfileDbContext db,
        CancellationToken ct)
    {
        if (provider.Length > SocialBinding.ProviderLength)
        {
            return Problems.InvalidField("provider", $"At most {SocialBinding.ProviderLength} characters.");
        }
        var me = principal.UserId();
        var deleted = await db.SocialBindings.Where(b => b.UserId == me && b.Provider == provider).ExecuteDeleteAsync(ct);
        return deleted == 0
            ? Problems.Create(StatusCodes.Status404NotFound, "binding_not_found", "No account at this provider is linked.")
            : TypedResults.NoContent();
    }
}
