using System.Text.Json;
using Campus.Messaging.Outbox;
using Campus.Notifications.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Deliveries;

/// <summary>
/// One notification as the delivery log shows it. The body and payload are left out: they may hold single-use links
/// (password reset) that even an admin must not be able to read.
/// </summary>
public sealed record DeliveryResponse(
    Guid Id, Guid UserId, string TypeKey, [property: OneOf(typeof(Channels), nameof(Channels.All))] string Channel, string Recipient, string? Subject, NotificationStatus Status,
    int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset? SentAt, DateTimeOffset CreatedAt);

public sealed record DeliveryPage(IReadOnlyList<DeliveryResponse> Items, int Total, int Limit, int Offset);

/// <summary>The delivery log, the dead letters (failed notifications) and their re-drive, for admins.</summary>
public static class DeliveriesApi
{
    public const int MaxPageSize = 100;

    /// <summary>The notification statuses the log filters on, as on the wire.</summary>
    public static IReadOnlyList<string> Statuses { get; } =
        [.. Enum.GetValues<NotificationStatus>().Select(s => JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString()))];

    public static IEndpointRouteBuilder MapDeliveriesApi(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/notifications").WithTags("Notification deliveries")
            .RequireAuthorization(Policies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapGet("/deliveries", ListAsync)
            .WithName("ListDeliveries")
            .WithSummary("The delivery log, newest first, filtered by user, type, status and channel.")
            .ProducesValidationProblem();

        admin.MapGet("/dlq", ListFailedAsync)
            .WithName("ListFailedDeliveries")
            .WithSummary("The dead-letter queue: notifications that failed for good, newest first.")
            .ProducesValidationProblem();

        admin.MapPost("/deliveries/{id:guid}/redrive", RedriveAsync)
            .WithName("RedriveDelivery")
            .WithSummary("Sends a failed notification again: back to pending with its attempts reset, and a new delivery request.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return routes;
    }

    public static async Task<Results<Ok<DeliveryPage>, ProblemHttpResult>> ListAsync(
        DeliveryLog log, CancellationToken ct,
        [FromQuery(Name = "user_id")] Guid? userId = null,
        [FromQuery(Name = "type_key"), Bounds(MaxLength = NotificationType.KeyLength)] string? typeKey = null,
        [OneOf(typeof(DeliveriesApi), nameof(Statuses))] string? status = null,
        [OneOf(typeof(Channels), nameof(Channels.All))] string? channel = null,
        [Bounds(1, MaxPageSize)] int limit = Paging.DefaultLimit, [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (InvalidPage(limit, offset) is { } invalid)
        {
            return invalid;
        }
        if (typeKey?.Length > NotificationType.KeyLength)
        {
            return Problems.InvalidField("type_key", $"type_key has at most {NotificationType.KeyLength} characters.", "invalid_filter");
        }
        NotificationStatus? wanted = null;
        if (status is not null)
        {
            if (!Statuses.Contains(status) || !Enum.TryParse<NotificationStatus>(status, ignoreCase: true, out var parsed))
            {
                return Problems.InvalidField("status", $"status is one of: {string.Join(", ", Statuses)}.", "invalid_filter");
            }
            wanted = parsed;
        }
        if (channel is not null && !Channels.IsKnown(channel))
        {
            return Problems.InvalidField("channel", $"channel is one of: {string.Join(", ", Channels.All)}.", "invalid_filter");
        }
        return TypedResults.Ok(await log.ListAsync(userId, typeKey, wanted, channel, limit, offset, ct));
    }

    public static async Task<Results<Ok<DeliveryPage>, ProblemHttpResult>> ListFailedAsync(
        DeliveryLog log, CancellationToken ct,
        [Bounds(1, MaxPageSize)] int limit = Paging.DefaultLimit, [Bounds(0, Paging.MaxOffset)] int offset = 0) =>
        InvalidPage(limit, offset) is { } invalid
            ? invalid
            : TypedResults.Ok(await log.ListFailedAsync(limit, offset, ct));

    /// <summary>
    /// failed → pending with attempts 0 and no next attempt time, plus a new <see cref="DeliveryRequested"/>, in one
    /// transaction. <c>last_error</c> is kept until the worker's next attempt replaces it, so the log still says why it failed.
    /// The conditional update lets exactly one of two concurrent re-drives through.
    /// </summary>
    public static async Task<Results<Ok<DeliveryResponse>, ProblemHttpResult>> RedriveAsync(Guid id, NotificationsDbContext db, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var updated = await db.Notifications.Where(n => n.Id == id && n.Status == NotificationStatus.Failed)
            .ExecuteUpdateAsync(n => n
                .SetProperty(x => x.Status, NotificationStatus.Pending)
                .SetProperty(x => x.Attempts, 0)
                .SetProperty(x => x.NextAttemptAt, (DateTimeOffset?)null), ct);
        if (updated == 0)
        {
            return await db.Notifications.AnyAsync(n => n.Id == id, ct)
                ? Problems.Create(StatusCodes.Status409Conflict, "not_failed", "Only a failed notification can be re-driven.")
                : Problems.Create(StatusCodes.Status404NotFound, "delivery_not_found", "No notification with this id.");
        }
        db.AddOutboxMessage(new DeliveryRequested(id));
        await db.SaveChangesAsync(ct);
        // Read inside the transaction: after the commit the worker may already have sent it.
        var notification = await db.Notifications.AsNoTracking().Where(n => n.Id == id).Select(DeliveryLog.Projection).FirstAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(notification);
    }

    private static ProblemHttpResult? InvalidPage(int limit, int offset) => Paging.Check(limit, offset, MaxPageSize);
}
