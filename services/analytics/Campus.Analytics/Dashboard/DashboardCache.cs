using System.Collections.Concurrent;
using Campus.Analytics.Data;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Dashboard;

/// <summary>
/// Computed dashboards by scope and period as asked, kept for <see cref="DashboardOptions.CacheDuration"/>: a dashboard
/// read by many at once (or reloaded) costs one computation. The first request for a key starts it on its own database
/// scope, later ones await the same task; once it expires, the next request starts a refresh and everyone gets the
/// previous figures until it is done; a failed computation is not kept.
/// </summary>
public sealed partial class DashboardCache(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<DashboardOptions> options, ILogger<DashboardCache> logger)
{
    /// <summary>Beyond this many keys expired ones are dropped, and all if that is not enough (the keys come from queries).</summary>
    private const int MaxEntries = 1000;

    /// <summary>A shared computation is not bound to the request that started it; this bounds it instead.</summary>
    private static readonly TimeSpan ComputeTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>
    /// A key's computation, valid until <see cref="Expires"/>, and the figures it replaces (<see cref="Previous"/>), which
    /// are answered while it runs: readers never wait for a refresh, only for a key's first computation.
    /// </summary>
    private sealed record Entry(Lazy<Task<DashboardResponse>> Figures, DateTimeOffset Expires, DashboardResponse? Previous)
    {
        public bool Failed => Figures.IsValueCreated && (Figures.Value.IsFaulted || Figures.Value.IsCanceled);

        public DashboardResponse? Completed =>
            Figures.IsValueCreated && Figures.Value.IsCompletedSuccessfully ? Figures.Value.Result : null;

        public bool Usable(DateTimeOffset now) => Expires > now && !Failed;
    }

    public async Task<DashboardResponse> ReadAsync(string key, Period period, string? department, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var duration = options.Value.CacheDuration;
        if (duration <= TimeSpan.Zero)
        {
            return await ComputeAsync(period, department, now, ct);
        }
        Entry Fresh(DashboardResponse? previous) =>
            new(new Lazy<Task<DashboardResponse>>(() => ComputeSharedAsync(period, department, now)), now + duration, previous);
        // An expired entry's figures are answered during the refresh only within one more duration (so never older
        // than about twice the duration); a failed computation is not kept, nor are the figures before it.
        var entry = _entries.AddOrUpdate(key, _ => Fresh(null), (_, old) => old.Usable(now)
            ? old
            : Fresh(old.Failed || now >= old.Expires + duration ? null : old.Completed ?? old.Previous));
        if (_entries.Count > MaxEntries)
        {
            Prune(now);
        }
        var figures = entry.Figures.Value;
        if (!figures.IsCompleted && entry.Previous is { } previous)
        {
            return previous;
        }
        return await figures.WaitAsync(ct);
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (!entry.Usable(now))
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }
        if (_entries.Count > MaxEntries)
        {
            _entries.Clear();
        }
    }

    private async Task<DashboardResponse> ComputeSharedAsync(Period period, string? department, DateTimeOffset now)
    {
        await Task.Yield();
        using var timeout = new CancellationTokenSource(ComputeTimeout);
        try
        {
            return await ComputeAsync(period, department, now, timeout.Token);
        }
        catch (Exception exception)
        {
            // Logged here too: a refresh nobody awaits (everyone got the previous figures) would fail unseen.
            LogComputationFailed(exception);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Warning, "A dashboard computation failed; the next request computes it again")]
    private partial void LogComputationFailed(Exception exception);

    private async Task<DashboardResponse> ComputeAsync(Period period, string? department, DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>();
        return await DashboardQueries.ReadAsync(db, period, department, now, ct);
    }
}
