using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Campus.Content.Data;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Campus.Content.Courses;

/// <summary>
/// The plain course list (no search, status or mine: the catalogue page, the hottest read) kept in memory per page, for
/// the callers whose list is everyone's: admins (every course) and users without an unpublished course of their own (the
/// published courses). Authors with drafts or archived courses read from the database as before.
/// </summary>
/// <remarks>
/// A change empties it on every replica: a statement trigger on <c>courses</c> and <c>documents</c> runs
/// <c>NOTIFY content_catalog</c>, delivered at commit, whichever code or replica wrote (<see cref="CourseListListener"/>
/// listens); and a replica's own EF writes to those tables empty it the moment they are saved (<see cref="Invalidation"/>),
/// so a writer's next read already sees its change. While the listener is not connected nothing is cached, as a change
/// could go unnoticed. An entry also expires after <see cref="Lifetime"/> (60 s), well within a cover URL's presigned
/// lifetime (<c>Storage:DownloadUrlExpiry</c>, 10 min).
/// </remarks>
public sealed class CourseListCache
{
    public const string Channel = "content_catalog";

    /// <summary>How long a page is served from memory at most (less when presigned URLs live under two minutes).</summary>
    public TimeSpan Lifetime => _lifetime ??=
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(60).Ticks, _storage.Value.DownloadUrlExpiry.Ticks / 2));

    /// <summary>Pages kept per generation; a page past this is read from the database (offsets are the client's choice).</summary>
    public const int MaxPages = 512;

    private readonly TimeProvider _time;
    private readonly IOptions<StorageOptions> _storage;
    private TimeSpan? _lifetime;
    private readonly Counter<long> _reads;
    private Generation? _current;

    public CourseListCache(TimeProvider time, IMeterFactory meters, IOptions<StorageOptions> storage)
    {
        _time = time;
        _storage = storage;
        _reads = meters.Create("Campus.Content").CreateCounter<long>("campus.content.course_list.reads", unit: "{request}",
            description: "Plain course-list reads by source: hit (memory), miss (database, then kept), bypass (database: an author with unpublished courses, or the cache is off).");
    }

    /// <summary>Whether pages are kept (the listener is connected).</summary>
    public bool Enabled => Volatile.Read(ref _current) is not null;

    /// <summary>Starts a new, empty generation (the listener is connected again, or a change was announced).</summary>
    public void Reset() => Volatile.Write(ref _current, new Generation());

    /// <summary>Drops every page; with <paramref name="disable"/>, keeps nothing until the next <see cref="Reset"/>.</summary>
    public void Invalidate(bool disable = false)
    {
        if (disable)
        {
            Volatile.Write(ref _current, null);
        }
        else if (Volatile.Read(ref _current) is not null)
        {
            Reset();
        }
    }

    /// <summary>
    /// The page from memory, or from <paramref name="load"/> (kept for the next caller); null when this caller's list is
    /// not everyone's or the cache is off: the caller reads the database itself.
    /// </summary>
    public async Task<CoursePage?> GetAsync(ContentDbContext db, bool admin, Guid me, int offset, int limit,
        Func<CancellationToken, Task<CoursePage>> load, CancellationToken ct)
    {
        if (Volatile.Read(ref _current) is not { } generation
            || (!admin && (await generation.AuthorsWithUnpublishedAsync(db, ct)).Contains(me)))
        {
            _reads.Add(1, new KeyValuePair<string, object?>("source", "bypass"));
            return null;
        }
        var key = (admin, offset, limit);
        var now = _time.GetUtcNow();
        if (generation.Pages.TryGetValue(key, out var kept) && kept.Until > now)
        {
            _reads.Add(1, new KeyValuePair<string, object?>("source", "hit"));
            return kept.Page;
        }
        var page = await load(ct);
        // A change announced meanwhile replaced the generation: this page goes with the old one, unseen.
        if (generation.Pages.Count < MaxPages || generation.Pages.ContainsKey(key))
        {
            generation.Pages[key] = new Entry(page, now + Lifetime);
        }
        _reads.Add(1, new KeyValuePair<string, object?>("source", "miss"));
        return page;
    }

    private sealed record Entry(CoursePage Page, DateTimeOffset Until);

    private sealed class Generation
    {
        private Task<HashSet<Guid>>? _authors;

        public ConcurrentDictionary<(bool Admin, int Offset, int Limit), Entry> Pages { get; } = new();

        /// <summary>Users with a course that is not published (their list differs from everyone's); read once per generation.</summary>
        public Task<HashSet<Guid>> AuthorsWithUnpublishedAsync(ContentDbContext db, CancellationToken ct) =>
            _authors is { IsCompletedSuccessfully: true } known ? known : _authors = LoadAuthorsAsync(db, ct);

        private static async Task<HashSet<Guid>> LoadAuthorsAsync(ContentDbContext db, CancellationToken ct) =>
            [.. await db.Courses.AsNoTracking().Where(c => c.Status != CourseStatus.Published).Select(c => c.AuthorId).Distinct().ToListAsync(ct)];
    }

    /// <summary>Empties the cache when a context of this replica saved a change to a course or a document.</summary>
    public sealed class Invalidation(CourseListCache cache) : SaveChangesInterceptor
    {
        private static readonly ConditionalWeakTable<DbContext, object> Touched = [];

        public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
        {
            Remember(eventData.Context);
            return result;
        }

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            Remember(eventData.Context);
            return ValueTask.FromResult(result);
        }

        public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
        {
            Forget(eventData.Context, invalidate: true);
            return result;
        }

        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result,
            CancellationToken cancellationToken = default)
        {
            Forget(eventData.Context, invalidate: true);
            return ValueTask.FromResult(result);
        }

        public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context, invalidate: false);

        public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            Forget(eventData.Context, invalidate: false);
            return Task.CompletedTask;
        }

        private static void Remember(DbContext? db)
        {
            if (db is not null && db.ChangeTracker.Entries().Any(e => e.Entity is Course or Document
                && e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                Touched.AddOrUpdate(db, Touched);
            }
        }

        private void Forget(DbContext? db, bool invalidate)
        {
            if (db is not null && Touched.Remove(db) && invalidate)
            {
                cache.Invalidate();
            }
        }
    }
}

/// <summary>
/// Listens on <see cref="CourseListCache.Channel"/> and empties the cache on every notification; turns the cache off while
/// it is not connected (reconnecting with a growing pause) and on again, empty, once it listens.
/// </summary>
public sealed partial class CourseListListener(NpgsqlDataSource dataSource, CourseListCache cache, TimeProvider time,
    ILogger<CourseListListener> logger) : BackgroundService
{
    /// <summary>How long the connection may stay quiet before a round trip checks that it is still there.</summary>
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromSeconds(1);
        while (true)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => cache.Invalidate();
                await using (var listen = new NpgsqlCommand($"LISTEN {CourseListCache.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                cache.Reset();
                LogListening(logger);
                pause = TimeSpan.FromSeconds(1);
                while (true)
                {
                    if (!await connection.WaitAsync(Probe, stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex, pause);
            }
            finally
            {
                cache.Invalidate(disable: true);
                await LeaveAsync(connection);
            }
            await Task.Delay(pause, time, stoppingToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    /// <summary>
    /// Stops listening before the connection goes back to the pool, which does not reset connections
    /// (<c>AddCampusPostgres</c>): otherwise the next user of the connection would go on receiving the channel.
    /// </summary>
    private static async Task LeaveAsync(NpgsqlConnection? connection)
    {
        if (connection is null)
        {
            return;
        }
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection) { CommandTimeout = 5 };
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // A broken connection is not returned to the pool.
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(LogLevel.Information, "Listening for course changes; the course list is cached")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Not listening for course changes, so the course list is not cached; retrying in {Pause}")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, TimeSpan pause);
}
