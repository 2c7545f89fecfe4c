using Campus.Analytics.Data;
using Campus.ServiceDefaults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// Keeps <c>processed_events</c> bounded: every hour, deletes the ids recorded more than <see cref="Retention"/> ago (a
/// broker redelivers within minutes; a dead letter re-driven after a week would count again). Runs on every replica;
/// the delete is idempotent.
/// </summary>
public sealed class InboxPruner(IServiceScopeFactory scopes, TimeProvider time, ILogger<InboxPruner> logger) : PeriodicJob(time, logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    protected override TimeSpan Interval { get; } = TimeSpan.FromHours(1);

    protected override Task RunRoundAsync(CancellationToken stoppingToken) => PruneAsync(stoppingToken);

    /// <summary>One round: returns how many ids were deleted.</summary>
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>();
        var before = Time.GetUtcNow() - Retention;
        return await db.ProcessedEvents.Where(p => p.ProcessedAt < before).ExecuteDeleteAsync(ct);
    }
}
