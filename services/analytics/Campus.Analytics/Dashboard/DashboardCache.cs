using System.Collections.Concurrent;
using Campus.Analytics.Data;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Dashboard;

/// <summary>
/// Computed dashboards by scope and period as asked, kept for <see cref="DashboardOptions.CacheDuration"/>: a dashboard
/// read by many at once (or reloaded) costs one computation. The first request for a key starts it on its own database
/// scope, later ones await the same task; a failed computation is not kept.
/// </summary>
public sealed class DashboardCache(IServiceScopeFactory scopes, TimeProvider time, IOptions<DashboardOptions> options)
{
    /// <summary>Beyond this many keys expired ones are dropped, and all if that is not enough (the keys come from queries).</summary>
    private const int MaxEntries = 1000;

    /// <summary>A shared computation is not bound to the request that started it; this bounds it instead.</summary>
    private static readonly TimeSpan ComputeTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(Lazy<Task<DashboardResponse>> Figures, DateTimeOffset Expires)
    {
        public bool Usable(DateTimeOffset now) =>
            Expires > now && !(Figures.IsValueCreated && (Figures.Value.IsFaulted || Figures.Value.IsCanceled));
    }

    public async Task<DashboardResponse> ReadAsync(string key, Period period, string? department, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var duration = options.Value.CacheDuration;
        if (duration <= TimeSpan.Zero)
        {
            return await ComputeAsync(period, department, now, ct);
        }
        var fresh = new Entry(new Lazy<Task<DashboardResponse>>(() => ComputeSharedAsync(period, department, now)), now + duration);
        var entry = _entries.AddOrUpdate(key, fresh, (_, old) => old.Usable(now) ? old : fresh);
        if (ReferenceEquals(entry, fresh) && _entries.Count > MaxEntries)
        {
            Prune(now);
        }
        return await entry.Figures.Value.WaitAsync(ct);
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
        using var timeout = new CancellationTokenSource(ComputeTimeout);
        return await ComputeAsync(period, department, now, timeout.Token);
    }

    private async Task<DashboardResponse> ComputeAsync(Period period, string? department, DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>();
        return await DashboardQueries.ReadAsync(db, period, department, now, ct);
    }
}
