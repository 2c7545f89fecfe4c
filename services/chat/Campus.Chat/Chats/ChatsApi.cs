using System.Security.Claims;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Campus.Chat.Registry;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Chats;

/// <summary>
/// Chats and their participants. Non-participants get 404 (admins manage participants of any chat). Users named in a
/// request must be known to chat (<see cref="KnownUsers"/>); people put into a group or course chat by someone else
/// are invited and join when they accept (<see cref="InvitationsApi"/>).
/// </summary>
public static class ChatsApi
{
    public static IEndpointRouteBuilder MapChatsApi(this IEndpointRouteBuilder routes)
    {
        var chats = routes.MapGroup("/api/chat/chats").WithTags("Chats").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        chats.MapGet("/", ListAsync)
            .WithName("ListChats")
            .WithSummary("The caller's chats, most recent activity first, with unread counts and the newest message.")
            .ProducesValidationProblem();

        chats.MapPost("/", CreateAsync)
            .WithName("CreateChat")
            .WithSummary("Creates a group, course or direct chat; the creator moderates it and the others named are invited (a direct chat's other user is a member at once). A direct chat per pair is unique: 200 with the existing one. A course chat: the course's author or an admin.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        chats.MapGet("/{id:guid}", GetAsync)
            .WithName("GetChat")
            .WithSummary("One chat with its participants.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        chats.MapPost("/{id:guid}/participants", AddParticipantsAsync)
            .WithName("AddParticipants")
            .WithSummary("Invites users to the chat (chat moderators and admins); they join when they accept. Users already in it or invited are ignored.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        chats.MapDelete("/{id:guid}/participants/{user_id:guid}", RemoveParticipantAsync)
            .WithName("RemoveParticipant")
            .WithSummary("Removes a user or withdraws their invitation (chat moderators and admins), or leaves the chat (yourself); their open sockets are closed.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    public static async Task<Results<Ok<ChatList>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, ChatDbContext db, CancellationToken ct, [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalid)
        {
            return invalid;
        }
        var me = principal.UserId();
        var mine = db.Participants.AsNoTracking().Where(p => p.UserId == me);
        var rows = await mine
            .Join(db.Chats, p => p.ChatId, c => c.Id, (p, c) => new { p, c })
            .OrderByDescending(x => x.c.LastActivityAt).ThenBy(x => x.c.Id)
            .Skip(offset).Take(limit)
            .Select(x => new
            {
                Chat = x.c,
                x.p.Role,
                x.p.LastReadSeq,
                Unread = db.Messages.Count(m => m.ChatId == x.c.Id && m.Seq > x.p.LastReadSeq && m.AuthorId != me && m.DeletedAt == null),
                Last = db.Messages.Where(m => m.ChatId == x.c.Id).OrderByDescending(m => m.Seq).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var items = rows.Select(r => new ChatSummary(
            r.Chat.Id, r.Chat.Type, r.Chat.Title, r.Chat.CourseId, r.Chat.CreatedBy, r.Chat.CreatedAt, r.Chat.LastSeq,
            r.Role, r.LastReadSeq, r.Unread, r.Last is null ? null : MessageResponse.From(r.Last))).ToList();
        return TypedResults.Ok(new ChatList(items, await mine.CountAsync(ct), limit, offset));
    }

    public static async Task<Results<Created<ChatDetails>, Ok<ChatDetails>, ProblemHttpResult>> CreateAsync(
        CreateChatRequest request, ClaimsPrincipal principal, ChatCreation creation, CancellationToken ct)
    {
        var result = await creation.CreateAsync(principal.UserId(), principal.IsAdmin(), principal.IsInRole(Roles.Author), request, ct);
        return result switch
        {
            CreateChatResult.Created created => TypedResults.Created($"/api/chat/chats/{created.Chat.Id}", created.Chat),
            CreateChatResult.Existing existing => TypedResults.Ok(existing.Chat),
            CreateChatResult.Invalid invalid => Invalid(invalid.Field, invalid.Code, invalid.Detail),
            CreateChatResult.UnknownCourse => Problems.Create(StatusCodes.Status422UnprocessableEntity, "unknown_course", "No such course.",
                "course_id names no existing course (courses are learnt from content's events; a new one may take a moment)."),
            CreateChatResult.NotCourseAuthor => Problems.Create(StatusCodes.Status403Forbidden, "not_course_author",
                "Only the course's author and admins create its chat."),
            CreateChatResult.UnknownUsers unknown => UnknownUsers(unknown.UserIds),
            _ => throw new InvalidOperationException($"Unexpected chat creation result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<ChatDetails>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, ChatDbContext db, CancellationToken ct)
    {
        var me = principal.UserId();
        return await ChatAccess.IsParticipantAsync(db, id, me, ct) && await DetailsAsync(db, id, me, ct) is { } details
            ? TypedResults.Ok(details)
            : NotFound();
    }

    public static async Task<Results<Ok<ChatDetails>, ProblemHttpResult>> AddParticipantsAsync(
        Guid id, AddParticipantsRequest request, ClaimsPrincipal principal, ChatMembership membership, CancellationToken ct)
    {
        var result = await membership.InviteAsync(id, principal.UserId(), principal.IsAdmin(), request.UserIds, ct);
        return result is MembershipResult.Invited invited ? TypedResults.Ok(invited.Chat) : Refused(result);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveParticipantAsync(
        Guid id, [FromRoute(Name = "user_id")] Guid userId, ClaimsPrincipal principal, ChatMembership membership, CancellationToken ct)
    {
        var result = await membership.RemoveAsync(id, userId, principal.UserId(), principal.IsAdmin(), ct);
        return result is MembershipResult.Removed ? TypedResults.NoContent() : Refused(result);
    }

    private static ProblemHttpResult Refused(MembershipResult result) => result switch
    {
        MembershipResult.Invalid invalid => Invalid(invalid.Field, invalid.Code, invalid.Detail),
        MembershipResult.ChatNotFound => NotFound(),
        MembershipResult.NotModerator => Problems.Create(StatusCodes.Status403Forbidden, "not_moderator",
            "Only moderators of the chat and admins manage participants."),
        MembershipResult.DirectChatFixed => Problems.Create(StatusCodes.Status409Conflict, "direct_chat_fixed",
            "A direct chat has exactly its two users; create a group instead."),
        MembershipResult.UnknownUsers unknown => UnknownUsers(unknown.UserIds),
        MembershipResult.ParticipantNotFound => Problems.Create(StatusCodes.Status404NotFound, "participant_not_found",
            "The user is not in this chat."),
        _ => throw new InvalidOperationException($"Unexpected membership result {result.GetType().Name}."),
    };

    private static ProblemHttpResult UnknownUsers(IEnumerable<Guid> unknown) =>
        Problems.Create(StatusCodes.Status422UnprocessableEntity, "unknown_users", "Some users do not exist.", string.Join(", ", unknown.Take(20)));

    internal static async Task<ChatDetails?> DetailsAsync(ChatDbContext db, Guid id, Guid me, CancellationToken ct)
    {
        var chat = await db.Chats.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (chat is null)
        {
            return null;
        }
        var participants = await db.Participants.AsNoTracking().Where(p => p.ChatId == id)
            .OrderBy(p => p.JoinedAt).ThenBy(p => p.UserId)
            .Select(p => new ParticipantResponse(p.UserId, p.Role, p.LastReadSeq, p.JoinedAt))
            .ToListAsync(ct);
        var invited = await db.Invitations.AsNoTracking().Where(i => i.ChatId == id)
            .OrderBy(i => i.InvitedAt).ThenBy(i => i.UserId).Select(i => i.UserId).ToListAsync(ct);
        var mine = participants.FirstOrDefault(p => p.UserId == me);
        var lastRead = mine?.LastReadSeq ?? chat.LastSeq;
        var unread = mine is null ? 0
            : await db.Messages.CountAsync(m => m.ChatId == id && m.Seq > lastRead && m.AuthorId != me && m.DeletedAt == null, ct);
        return new ChatDetails(chat.Id, chat.Type, chat.Title, chat.CourseId, chat.CreatedBy, chat.CreatedAt, chat.LastSeq,
            mine?.Role, lastRead, unread, participants, invited);
    }

    private static ProblemHttpResult Invalid(string field, string code, string detail) => Problems.InvalidField(field, detail, code);

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, ChatAccess.NotFound.Code, "Chat not found.", ChatAccess.NotFound.Detail);
}
