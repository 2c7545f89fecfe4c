using System.Text;
using System.Text.Json;
using Campus.Messaging.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Messaging.Outbox;

public static class OutboxDbContextExtensions
{
    /// <summary>
    /// Adds <paramref name="event"/> to the outbox of <paramref name="db"/>: it is written by the caller's next
    /// <c>SaveChanges</c> (in the same transaction as the business rows) and published by the relay after the commit.
    /// The current trace context is stored with it, so the consumer continues the writer's trace.
    /// </summary>
    /// <example>
    /// <code>
    /// db.Users.Add(user);
    /// db.AddOutboxMessage(new UserRegistered(user.Id, user.Email));
    /// await db.SaveChangesAsync(ct);
    /// </code>
    /// </example>
    public static OutboxMessage AddOutboxMessage<TEvent>(this DbContext db, TEvent @event) where TEvent : IntegrationEvent
    {
        ArgumentNullException.ThrowIfNull(db);
        var message = CreateOutboxMessage(@event, ClockOf(db));
        db.Set<OutboxMessage>().Add(message);
        return message;
    }

    /// <summary>
    /// The outbox row of <paramref name="event"/> (payload, the current trace context, created time) without adding it
    /// to a context: for a writer that inserts it with its own SQL, in the same statement or transaction as the business
    /// rows (columns in <see cref="OutboxModel"/>). It then wakes the relay after the commit itself
    /// (<see cref="IOutboxSignal.Notify"/>); otherwise the row waits for the relay's next poll. <paramref name="clock"/> is
    /// the host's <see cref="TimeProvider"/> (its <c>created_at</c>).
    /// </summary>
    public static OutboxMessage CreateOutboxMessage<TEvent>(TEvent @event, TimeProvider clock) where TEvent : IntegrationEvent
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(clock);
        var traceContext = MessagingTelemetry.CaptureCurrent();
        var createdAt = NextCreatedAt(clock);
        return new OutboxMessage
        {
            Id = @event.Id,
            Type = @event.Type,
            RoutingKey = @event.Type,
            Payload = Encoding.UTF8.GetString(IntegrationEventJson.Serialize(@event.OccurredNowUnlessSet(createdAt))),
            Headers = traceContext.Count == 0 ? null : JsonSerializer.Serialize(traceContext),
            CreatedAt = createdAt,
        };
    }

    private static long _lastCreatedTicks;

    /// <summary>The host's <see cref="TimeProvider"/>, from the services the context was registered in.</summary>
    private static TimeProvider ClockOf(DbContext db) =>
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService<TimeProvider>()
        ?? TimeProvider.System;

    /// <summary>
    /// Now, at PostgreSQL's microsecond precision, but strictly increasing within the process: events added in one
    /// loop must keep their order, and the relay publishes in <c>created_at</c> order.
    /// </summary>
    private static DateTimeOffset NextCreatedAt(TimeProvider clock)
    {
        while (true)
        {
            var now = clock.GetUtcNow().UtcTicks / 10 * 10;
            var last = Volatile.Read(ref _lastCreatedTicks);
            var next = Math.Max(now, last + 10);
            if (Interlocked.CompareExchange(ref _lastCreatedTicks, next, last) == last)
            {
                return new DateTimeOffset(next, TimeSpan.Zero);
            }
        }
    }
}
