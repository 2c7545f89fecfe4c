using System.Security.Claims;
using Campus.Chat.Chats;
using Campus.Chat.Data;
using Campus.Chat.Realtime;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Campus.Chat.Messages;

/// <summary>History with seq cursors, posting (idempotent by client_msg_id), editing, deleting and the read marker.</summary>
public static class MessagesApi
{
    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder routes)
    {
        var messages = routes.MapGroup("/api/chat/chats/{id:guid}").WithTags("Messages").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        messages.MapGet("/messages", ListAsync)
            .WithName("ListMessages")
            .WithSummary("History: newest first without a cursor or with before_seq; ascending with after_seq. limit 1..200 (default 50; outside is a 400).")
            .ProducesValidationProblem();

        messages.MapPost("/messages", PostAsync)
            .WithName("PostMessage")
            .WithSummary("Posts a message (201); client_msg_id is required, and the same client_msg_id again answers 200 with the stored message.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        messages.MapGet("/messages/{seq:long}", GetAsync)
            .WithName("GetMessage")
            .WithSummary("One message of a chat you take part in, by seq (the Location of a posted message).");

        messages.MapPatch("/messages/{seq:long}", EditAsync)
            .WithName("EditMessage")
            .WithSummary("Replaces the body of one of your own messages.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        messages.MapDelete("/messages/{seq:long}", DeleteAsync)
            .WithName("DeleteMessage")
            .WithSummary("Deletes a message (yours; any as moderator of the chat or admin). It keeps its seq; its body becomes null.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        messages.MapPost("/read", ReadAsync)
            .WithName("MarkRead")
            .WithSummary("Moves your read marker forward to seq (required; capped at the newest message, never backwards).")
            .ProducesValidationProblem();

        return routes;
    }

    public static async Task<Results<Ok<MessageResponse>, ProblemHttpResult>> GetAsync(
        Guid id, [Bounds(1, long.MaxValue)] long seq, ClaimsPrincipal principal, ChatDbContext db, CancellationToken ct)
    {
        if (InvalidSeq(seq) is { } invalid)
        {
            return invalid;
        }
        if (!await ChatAccess.IsParticipantAsync(db, id, principal.UserId(), ct))
        {
            return Problem(ChatAccess.NotFound);
        }
        return await MessageQueries.FindAsync(db, id, seq, ct) is { } message
            ? TypedResults.Ok(message)
            : Problem(ChatMessages.MessageNotFound);
    }

    public static async Task<Results<Ok<MessagePage>, ProblemHttpResult>> ListAsync(
        Guid id, ClaimsPrincipal principal, ChatDbContext db, CancellationToken ct,
        [FromQuery(Name = "before_seq"), Bounds(1, long.MaxValue)] long? beforeSeq = null,
        [FromQuery(Name = "after_seq"), Bounds(0, long.MaxValue)] long? afterSeq = null,
        [Bounds(1, ChatRules.MaxPageSize)] int limit = ChatRules.DefaultPageSize)
    {
        if (beforeSeq is not null && afterSeq is not null)
        {
            return Problem(new Refusal(RefusalKind.Invalid, "invalid_cursor", "Give before_seq or after_seq, not both.", "after_seq"));
        }
        if (beforeSeq < 1)
        {
            return Problem(new Refusal(RefusalKind.Invalid, "invalid_cursor", "before_seq is 1 or more.", "before_seq"));
        }
        if (afterSeq < 0)
        {
            return Problem(new Refusal(RefusalKind.Invalid, "invalid_cursor", "after_seq is 0 or more.", "after_seq"));
        }
        // The cursor list's limit is refused like every list's (invalid_page), with its own maximum.
        if (Paging.Check(limit, 0, ChatRules.MaxPageSize) is { } outOfRange)
        {
            return outOfRange;
        }
        if (!await ChatAccess.IsParticipantAsync(db, id, principal.UserId(), ct))
        {
            return Problem(ChatAccess.NotFound);
        }
        // One more than asked tells whether there is a next page.
        var items = afterSeq is { } after
            ? await MessageQueries.AfterAsync(db, id, after, limit + 1, ct: ct)
            : await MessageQueries.BeforeAsync(db, id, beforeSeq ?? long.MaxValue, limit + 1, ct);
        var hasMore = items.Count > limit;
        return TypedResults.Ok(new MessagePage(hasMore ? items[..limit] : items, hasMore));
    }

    public static async Task<Results<Created<MessageResponse>, Ok<MessageResponse>, ProblemHttpResult>> PostAsync(
        Guid id, PostMessageRequest request, ClaimsPrincipal principal, ChatMessages messages, ChatBudgets budgets, HttpResponse response,
        CancellationToken ct)
    {
        // One budget for socket and REST posts, so switching transports does not double it.
        if (await budgets.TryPostAsync(principal.UserId()) is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many messages.", budgets.PostLimitDetail(retryAfter));
        }
        var result = await messages.PostAsync(id, principal.UserId(), request, ct);
        return result switch
        {
            MessageResult.Posted posted => TypedResults.Created($"/api/chat/chats/{id}/messages/{posted.Message.Seq}", posted.Message),
            MessageResult.AlreadyPosted stored => TypedResults.Ok(stored.Message),
            MessageResult.Refused refused => Problem(refused.Refusal),
            _ => throw Unexpected(result),
        };
    }

    public static async Task<Results<Ok<MessageResponse>, ProblemHttpResult>> EditAsync(
        Guid id, [Bounds(1, long.MaxValue)] long seq, EditMessageRequest request, ClaimsPrincipal principal, ChatMessages messages,
        CancellationToken ct)
    {
        if (InvalidSeq(seq) is { } invalid)
        {
            return invalid;
        }
        var result = await messages.EditAsync(id, seq, principal.UserId(), request.Body, ct);
        return result switch
        {
            MessageResult.Edited edited => TypedResults.Ok(edited.Message),
            MessageResult.Refused refused => Problem(refused.Refusal),
            _ => throw Unexpected(result),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, [Bounds(1, long.MaxValue)] long seq, ClaimsPrincipal principal, ChatMessages messages, CancellationToken ct) =>
        InvalidSeq(seq) is { } invalid ? invalid
            : NoContentOrProblem(await messages.DeleteAsync(id, seq, principal.UserId(), principal.IsAdmin(), ct));

    // A message's seq is 1 or more (the first message of a chat is 1): a path seq below is refused, not looked up.
    private static ProblemHttpResult? InvalidSeq(long seq) => seq < 1
        ? Problem(new Refusal(RefusalKind.Invalid, "invalid_seq", "seq is 1 or more.", "seq"))
        : null;

    public static async Task<Results<NoContent, ProblemHttpResult>> ReadAsync(
        Guid id, ReadRequest request, ClaimsPrincipal principal, ChatMessages messages, CancellationToken ct) =>
        NoContentOrProblem(await messages.MarkReadAsync(id, principal.UserId(), request.Seq, ct));

    private static Results<NoContent, ProblemHttpResult> NoContentOrProblem(MessageResult result) => result switch
    {
        MessageResult.Done => TypedResults.NoContent(),
        MessageResult.Refused refused => Problem(refused.Refusal),
        _ => throw Unexpected(result),
    };

    private static InvalidOperationException Unexpected(MessageResult result) =>
        new($"Unexpected message result {result.GetType().Name}.");

    internal static ProblemHttpResult Problem(Refusal refusal) => refusal.Field is { } field
        ? Problems.InvalidField(field, refusal.Detail, refusal.Code)
        : Problems.Create(Status(refusal.Kind), refusal.Code, Title(refusal.Kind), refusal.Detail);

    private static int Status(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => StatusCodes.Status400BadRequest,
        RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.Conflict => StatusCodes.Status409Conflict,
        _ => throw new InvalidOperationException($"Unexpected refusal kind {kind}."),
    };

    private static string Title(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => "The request is not valid.",
        RefusalKind.Forbidden => "Not allowed.",
        RefusalKind.NotFound => "Not found.",
        RefusalKind.Conflict => "Conflict.",
        _ => "The request failed.",
    };
}
