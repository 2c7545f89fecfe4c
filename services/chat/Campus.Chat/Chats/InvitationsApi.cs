using System.Security.Claims;
using Campus.Chat.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Chats;

/// <summary>An invitation as its invitee sees it: which chat, and who asked.</summary>
public sealed record InvitationResponse(Guid ChatId, ChatType Type, string? Title, Guid? CourseId, Guid InvitedBy, DateTimeOffset InvitedAt);

public sealed record InvitationList(IReadOnlyList<InvitationResponse> Items, int Total, int Limit, int Offset);

/// <summary>The caller's invitations to group and course chats: list, accept (become a member), decline.</summary>
public static class InvitationsApi
{
    public static IEndpointRouteBuilder MapInvitationsApi(this IEndpointRouteBuilder routes)
    {
        var invitations = routes.MapGroup("/api/chat").WithTags("Invitations").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        invitations.MapGet("/invitations", ListAsync)
            .WithName("ListInvitations")
            .WithSummary("The caller's pending invitations, newest first.")
            .ProducesValidationProblem();

        invitations.MapPost("/chats/{id:guid}/invitation/accept", AcceptAsync)
            .WithName("AcceptInvitation")
            .WithSummary("Accepts the caller's invitation: they join the chat as a member.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        invitations.MapDelete("/chats/{id:guid}/invitation", DeclineAsync)
            .WithName("DeclineInvitation")
            .WithSummary("Declines the caller's invitation.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    public static async Task<Results<Ok<InvitationList>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, ChatDbContext db, CancellationToken ct, [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        var me = principal.UserId();
        var mine = db.Invitations.AsNoTracking().Where(i => i.UserId == me);
        var items = await mine
            .Join(db.Chats, i => i.ChatId, c => c.Id, (i, c) => new { i, c })
            .OrderByDescending(x => x.i.InvitedAt).ThenBy(x => x.i.ChatId)
            .Skip(offset).Take(limit)
            .Select(x => new InvitationResponse(x.c.Id, x.c.Type, x.c.Title, x.c.CourseId, x.i.InvitedBy, x.i.InvitedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(new InvitationList(items, await mine.CountAsync(ct), limit, offset));
    }

    public static async Task<Results<Ok<ChatDetails>, ProblemHttpResult>> AcceptAsync(
        Guid id, ClaimsPrincipal principal, ChatDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var accepted = await db.Invitations.Where(i => i.ChatId == id && i.UserId == me).ExecuteDeleteAsync(ct);
        if (accepted == 0)
        {
            // Accepting twice answers as the first time did.
            return await ChatAccess.IsParticipantAsync(db, id, me, ct) && await ChatsApi.DetailsAsync(db, id, me, ct) is { } details
                ? TypedResults.Ok(details)
                : NotFound();
        }
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO participants (chat_id, user_id, role, last_read_seq, joined_at)
            VALUES ({id}, {me}, {nameof(ParticipantRole.Member)}, 0, {now}) ON CONFLICT (chat_id, user_id) DO NOTHING
            """, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok((await ChatsApi.DetailsAsync(db, id, me, ct))!);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeclineAsync(
        Guid id, ClaimsPrincipal principal, ChatDbContext db, CancellationToken ct)
    {
        var me = principal.UserId();
        var declined = await db.Invitations.Where(i => i.ChatId == id && i.UserId == me).ExecuteDeleteAsync(ct);
        return declined == 0 ? NotFound() : TypedResults.NoContent();
    }

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "invitation_not_found", "Invitation not found.", "You have no invitation to this chat.");
}
