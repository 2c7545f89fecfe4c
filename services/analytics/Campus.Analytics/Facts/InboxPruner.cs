using Campus.Analytics.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// Keeps <c>processed_events</c> bounded: every hour, deletes the ids recorded more than <see cref="Retention"/> ago (a
/// broker redelivers within minutes; a dead letter re-driven after a week would count again). Runs on every replica;
/// the delete is idempotent.
/// </summary>
public sealed partial class InboxPruner(IServiceScopeFactory scopes, TimeProvider time, ILogger<InboxPruner> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PruneAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPruneFailed(ex); // the database is away: the next round tries again
                try
                {
                    await Task.Delay(Interval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One round: returns how many ids were deleted.</summary>
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>();
        var before = time.GetUtcNow() - Retention;
        return await db.ProcessedEvents.Where(p => p.ProcessedAt < before).ExecuteDeleteAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning processed_events failed; retrying in an hour")]
    private partial void LogPruneFailed(Exception exception);
}
