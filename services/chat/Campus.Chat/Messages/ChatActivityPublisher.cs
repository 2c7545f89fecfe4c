using Campus.Chat.Data;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Chat.Messages;

/// <summary>
/// Announces the activity counts that moved: every <c>Chat:ActivityInterval</c> it claims the due rows of
/// <c>activity_counts</c> (<c>messages &gt; published</c>) with <c>FOR UPDATE SKIP LOCKED</c>, marks them published and
/// writes one <see cref="ChatActivityCounted"/> per batch of them to the outbox, in one statement. Every node runs it;
/// a row is announced by one of them.
/// </summary>
public sealed class ChatActivityPublisher(
    IServiceScopeFactory scopes, IOutboxSignal outboxSignal, IOptions<ChatOptions> options, TimeProvider time,
    ILogger<ChatActivityPublisher> logger) : PeriodicJob(time, logger)
{
    public const int BatchSize = OutboxSnapshots.DefaultBatchSize;

    protected override TimeSpan Interval => options.Value.ActivityInterval;

    protected override Task RunRoundAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

    /// <summary>Announces every due row, in batches; returns how many (author, day) totals it announced.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var announced = 0;
        while (true)
        {
            var batch = await BatchAsync(ct);
            announced += batch;
            if (batch < BatchSize)
            {
                return announced;
            }
        }
    }

    /// <summary>
    /// One batch in one statement (its own implicit transaction, one round trip): claim the due rows, mark them
    /// published and insert the outbox row with their totals. The rows are locked for that statement only, so a post to
    /// one of them (which holds its chat's counter row meanwhile) never waits on a round trip to this node.
    /// </summary>
    private async Task<int> BatchAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        // The totals are known inside the statement only: the payload is written with none, and they are set there.
        var outbox = OutboxDbContextExtensions.CreateOutboxMessage(new ChatActivityCounted([]), Time);
        // Read as a list: a composed operator (Single…) would wrap the statement in a subquery, where PostgreSQL refuses
        // data-modifying CTEs.
        var claimed = await db.Database.SqlQuery<int>($"""
            WITH due AS (
                SELECT user_id, day FROM activity_counts WHERE messages > published
                ORDER BY user_id, day LIMIT {BatchSize} FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE activity_counts a SET published = a.messages FROM due
                WHERE a.user_id = due.user_id AND a.day = due.day
                RETURNING a.user_id, a.day, a.messages),
            o AS (
                INSERT INTO outbox_messages (id, type, routing_key, payload, headers, created_at, attempts)
                SELECT {outbox.Id}, {outbox.Type}, {outbox.RoutingKey},
                    jsonb_set(CAST({outbox.Payload} AS jsonb), ARRAY['counts'],
                        (SELECT jsonb_agg(jsonb_build_object('user_id', user_id, 'day', day, 'messages', messages) ORDER BY user_id, day) FROM claimed)),
                    CAST({outbox.Headers} AS jsonb), {outbox.CreatedAt}, 0
                WHERE EXISTS (SELECT 1 FROM claimed))
            SELECT count(*)::int AS "Value" FROM claimed
            """).ToListAsync(ct);
        if (claimed[0] > 0)
        {
            outboxSignal.Notify();
        }
        return claimed[0];
    }
}

/// <summary>
/// On <c>analytics.rebuild.requested</c>: marks every (author, day) total as due again, in keyset batches of
/// <see cref="ChatActivityPublisher.BatchSize"/> (each its own statement, so no lock is held long), and
/// <see cref="ChatActivityPublisher"/> announces them all within its next rounds.
/// </summary>
public sealed class RepublishChatActivity(ChatDbContext db) : IIntegrationEventHandler<RebuildRequested>
{
    public const string Queue = "chat.analytics-rebuild";

    private sealed record Key(Guid UserId, DateOnly Day);

    public async Task HandleAsync(RebuildRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        var after = new Key(Guid.Empty, DateOnly.MinValue);
        while (true)
        {
            var marked = await db.Database.SqlQuery<Key>($"""
                WITH page AS (
                    SELECT user_id, day FROM activity_counts WHERE (user_id, day) > ({after.UserId}, {after.Day})
                    ORDER BY user_id, day LIMIT {ChatActivityPublisher.BatchSize}),
                marked AS (
                    UPDATE activity_counts a SET published = 0 FROM page
                    WHERE a.user_id = page.user_id AND a.day = page.day
                    RETURNING a.user_id, a.day)
                SELECT user_id, day FROM marked ORDER BY user_id, day
                """).ToListAsync(cancellationToken);
            if (marked.Count < ChatActivityPublisher.BatchSize)
            {
                return;
            }
            // PostgreSQL's order of uuids, not .NET's: the page's last key as the database sorted it.
            after = marked[^1];
        }
    }
}
