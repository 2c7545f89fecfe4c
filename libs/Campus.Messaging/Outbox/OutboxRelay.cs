using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Campus.Messaging.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Campus.Messaging.Outbox;

/// <summary>
/// Publishes pending outbox rows of <typeparamref name="TContext"/>. Each round claims a batch with
/// <c>FOR UPDATE SKIP LOCKED</c> in created order inside a transaction (so replicas never claim the same row),
/// publishes the batch in that order pipelined on one channel with confirms, and marks every confirmed row published in
/// that transaction. When the broker fails it keeps the other rows with the failure, backs off (1 s doubling to 30 s)
/// and tries again; delivery is at least once (a crash between the confirm and the commit publishes a row twice), which
/// is why consumers dedupe by message id.
/// </summary>
internal sealed partial class OutboxRelay<TContext>(
    IServiceScopeFactory scopeFactory,
    BrokerPublisher publisher,
    RabbitMqConnection connection,
    OutboxSignal signal,
    MessagingNames names,
    IOptions<MessagingOptions> options,
    TimeProvider timeProvider,
    MessagingMetrics metrics,
    ILogger<OutboxRelay<TContext>> logger) : BackgroundService where TContext : DbContext
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CleanupInterval = TimeSpan.FromHours(1);

    private readonly MessagingOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        connection.Connected += signal.Notify;
        connection.EnsureStarted();
        metrics.InitializeOutbox(typeof(TContext).Name);
        var backoff = TimeSpan.Zero;
        var nextCleanup = timeProvider.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    // While the broker is away there is nothing to try: wait for the reconnect signal (or a poll)
                    // instead of failing every row.
                    if (connection.Current is null)
                    {
                        await signal.WaitAsync(_options.OutboxPollInterval, stoppingToken);
                        continue;
                    }

                    var (claimed, failed) = await PublishBatchAsync(stoppingToken);
                    if (failed)
                    {
                        backoff = NextBackoff(backoff);
                        await Task.Delay(backoff, timeProvider, stoppingToken);
                        continue;
                    }
                    backoff = TimeSpan.Zero;
                    if (claimed == _options.OutboxBatchSize)
                    {
                        continue; // more are waiting
                    }

                    if (timeProvider.GetUtcNow() >= nextCleanup)
                    {
                        await DeletePublishedAsync(stoppingToken);
                        nextCleanup = timeProvider.GetUtcNow() + CleanupInterval;
                    }
                    await signal.WaitAsync(_options.OutboxPollInterval, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // The database failed (the broker's failures are handled per row): same backoff.
                    backoff = NextBackoff(backoff);
                    LogRoundFailed(ex, typeof(TContext).Name, backoff);
                    await Task.Delay(backoff, timeProvider, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            connection.Connected -= signal.Notify;
        }
    }

    private static TimeSpan NextBackoff(TimeSpan backoff) =>
        backoff == TimeSpan.Zero ? MinBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));

    private async Task<(int Claimed, bool Failed)> PublishBatchAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        // A retrying execution strategy (EnableRetryOnFailure) refuses user transactions unless they run inside it.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(
            (Relay: this, Db: db), static (_, state, ct) => state.Relay.PublishBatchAsync(state.Db, ct), verifySucceeded: null, stoppingToken);
    }

    private async Task<(int Claimed, bool Failed)> PublishBatchAsync(TContext db, CancellationToken stoppingToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(stoppingToken);
        var batch = await db.Set<OutboxMessage>()
            .FromSqlRaw(ClaimSql(db), _options.OutboxBatchSize)
            .ToListAsync(stoppingToken);

        var outcomes = batch.Count == 0 ? [] : await PublishAsync(batch, stoppingToken);
        var failed = false;
        var now = timeProvider.GetUtcNow();
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            switch (outcomes[i])
            {
                case null:
                    message.Attempts++;
                    message.PublishedAt = now;
                    message.LastError = null;
                    break;
                case OperationCanceledException when stoppingToken.IsCancellationRequested:
                    break; // shutting down: not an attempt, the row stays pending as it was
                case var error:
                    message.Attempts++;
                    message.LastError = MessageHeaders.Describe(error);
                    metrics.OutboxPublishFailed(typeof(TContext).Name);
                    if (!failed)
                    {
                        LogPublishFailed(error, message.Id, message.RoutingKey, message.Attempts);
                    }
                    failed = true;
                    break;
            }
        }

        // Record what the broker confirmed even when shutting down, or those rows would be published again.
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        var published = batch.Count(m => m.PublishedAt is not null);
        if (published > 0)
        {
            metrics.OutboxPublished(typeof(TContext).Name, published);
            LogPublished(published, typeof(TContext).Name);
        }
        // Back off only when nothing went out: a row the broker keeps refusing must not hold up the rows behind it.
        return (batch.Count, failed && published == 0);
    }

    /// <summary>
    /// Publishes the batch in created order, pipelined on one channel (one round trip for the batch, not one per row).
    /// Answers each row's outcome: a row that cannot be read (its stored headers) is not sent and answers why; when the
    /// broker cannot take the batch at all, every row answers that failure.
    /// </summary>
    private async Task<Exception?[]> PublishAsync(List<OutboxMessage> batch, CancellationToken stoppingToken)
    {
        var outcomes = new Exception?[batch.Count];
        var messages = new List<BrokerPublisher.OutgoingMessage>(batch.Count);
        var sent = new List<int>(batch.Count); // the batch index of each message
        var activities = new Activity?[batch.Count];
        var previous = Activity.Current;
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    messages.Add(ToMessage(batch[i], out activities[i]));
                    sent.Add(i);
                }
                catch (Exception ex) when (ex is JsonException or NotSupportedException)
                {
                    outcomes[i] = ex;
                }
                Activity.Current = previous; // the spans are siblings, ended when the batch's confirms are in
            }
            if (messages.Count == 0)
            {
                return outcomes;
            }
            Exception?[] results;
            try
            {
                results = await publisher.PublishAllAsync(names.Exchange, messages, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                results = Array.ConvertAll(messages.ToArray(), _ => (Exception?)ex);
            }
            for (var j = 0; j < sent.Count; j++)
            {
                outcomes[sent[j]] = results[j];
            }
            return outcomes;
        }
        finally
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (outcomes[i] is { } failure)
                {
                    activities[i]?.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
                }
                activities[i]?.Dispose();
            }
            Activity.Current = previous;
        }
    }

    /// <summary>The row as a message, with its publish span started (continuing the trace of the request that wrote it).</summary>
    private BrokerPublisher.OutgoingMessage ToMessage(OutboxMessage row, out Activity? activity)
    {
        var stored = row.Headers is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(row.Headers);
        var headers = stored?.ToDictionary(h => h.Key, h => (object?)h.Value) ?? [];
        // The consumer continues the publish span's trace.
        activity = MessagingTelemetry.StartPublish(names.Exchange, row.RoutingKey, row.Id.ToString(), MessagingTelemetry.Extract(headers));
        MessagingTelemetry.Inject(activity, headers);
        var properties = BrokerPublisher.CreateProperties(row.Id.ToString(), row.Type, row.CreatedAt, headers);
        return new(row.RoutingKey, properties, Encoding.UTF8.GetBytes(row.Payload));
    }

    private async Task DeletePublishedAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var cutoff = timeProvider.GetUtcNow() - _options.OutboxRetention;
        var deleted = await db.Set<OutboxMessage>()
            .Where(m => m.PublishedAt != null && m.PublishedAt < cutoff)
            .ExecuteDeleteAsync(stoppingToken);
        if (deleted > 0)
        {
            LogDeleted(deleted, typeof(TContext).Name);
        }
    }

    private static string? _claimSql;

    /// <summary>The claim query, with the table name (and schema) the model maps, quoted for the provider.</summary>
    private static string ClaimSql(DbContext db) => _claimSql ??= BuildClaimSql(db);

    private static string BuildClaimSql(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(OutboxMessage))
            ?? throw new InvalidOperationException($"{typeof(TContext).Name} has no outbox: call modelBuilder.AddOutbox() in OnModelCreating.");
        var table = db.GetService<ISqlGenerationHelper>().DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
        return $"SELECT * FROM {table} WHERE published_at IS NULL ORDER BY created_at, id LIMIT {{0}} FOR UPDATE SKIP LOCKED";
    }

    [LoggerMessage(LogLevel.Debug, "Outbox of {Context}: published {Count} messages")]
    private partial void LogPublished(int count, string context);

    [LoggerMessage(LogLevel.Warning, "Outbox message {MessageId} ({RoutingKey}) could not be published (attempt {Attempt}); will retry")]
    private partial void LogPublishFailed(Exception exception, Guid messageId, string routingKey, int attempt);

    [LoggerMessage(LogLevel.Warning, "Outbox relay of {Context} failed; retrying in {Backoff}")]
    private partial void LogRoundFailed(Exception exception, string context, TimeSpan backoff);

    [LoggerMessage(LogLevel.Information, "Outbox of {Context}: deleted {Count} published messages past retention")]
    private partial void LogDeleted(int count, string context);
}
