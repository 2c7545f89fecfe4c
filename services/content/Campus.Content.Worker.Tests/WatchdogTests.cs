using System.Globalization;
using Campus.Content.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Content.Worker.Tests;

public sealed class WatchdogTests(WorkerFactory factory) : IClassFixture<WorkerFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TranscodeWatchdog Watchdog => factory.Services.GetRequiredService<TranscodeWatchdog>();

    [Fact]
    public async Task Job_with_a_stale_heartbeat_is_requeued_and_ends_ready()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip, (media, job) =>
        {
            media.Status = MediaStatus.Processing;
            job.Status = TranscodeStatus.Processing;
            job.Attempts = 1;
            job.StartedAt = job.HeartbeatAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        });

        Assert.Equal(1, await Watchdog.SweepAsync(Ct));

        var (media, job) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal(MediaStatus.Ready, media.Status);
        Assert.Equal((TranscodeStatus.Done, 2), (job.Status, job.Attempts));
    }

    [Fact]
    public async Task Job_with_a_stale_heartbeat_and_no_attempts_left_fails_with_a_clear_reason_and_media_failed_event()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip, (media, job) =>
        {
            media.Status = MediaStatus.Processing;
            job.Status = TranscodeStatus.Processing;
            job.Attempts = factory.MaxAttempts;
            job.StartedAt = job.HeartbeatAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        });
        await using var events = await factory.BindProbeAsync("content.media.failed");

        Assert.Equal(1, await Watchdog.SweepAsync(Ct));

        var (media, job) = await factory.RowsAsync(mediaId, jobId);
        Assert.Equal(MediaStatus.Failed, media.Status);
        Assert.Contains("stopped responding", media.Error, StringComparison.Ordinal);
        Assert.Equal((TranscodeStatus.Failed, media.Error), (job.Status, job.Error));
        Assert.NotNull(job.FinishedAt);
        var failed = await WorkerFactory.TakeEventAsync(events, mediaId);
        Assert.Equal(media.Error, failed?.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Job_with_a_fresh_heartbeat_is_left_alone()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip, (media, job) =>
        {
            media.Status = MediaStatus.Processing;
            job.Status = TranscodeStatus.Processing;
            job.Attempts = 1;
            job.StartedAt = job.HeartbeatAt = DateTimeOffset.UtcNow;
        });

        await Watchdog.SweepAsync(Ct);

        var (media, job) = await factory.RowsAsync(mediaId, jobId);
        Assert.Equal((MediaStatus.Processing, TranscodeStatus.Processing, 1), (media.Status, job.Status, job.Attempts));
    }

    [Fact]
    public async Task Each_pass_counts_the_unfinished_jobs_by_state_for_the_metrics()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        await factory.SeedAsync(clip, (media, job) =>
        {
            media.Status = MediaStatus.Processing;
            job.Status = TranscodeStatus.Processing;
            job.Attempts = 1;
            job.StartedAt = job.HeartbeatAt = DateTimeOffset.UtcNow;
        });

        await Watchdog.SweepAsync(Ct); // re-queues what other tests left stale, so the count below is what a pass sees

        await using var scope = factory.Services.CreateAsyncScope();
        var processing = await scope.ServiceProvider.GetRequiredService<ContentDbContext>().TranscodeJobs
            .CountAsync(j => j.Status == TranscodeStatus.Processing, Ct);
        Assert.True(processing >= 1);
        // The exporter answers a scrape within 300 ms of the previous one from its cache, and the host's own first pass
        // (at start, counting before the seed) may end after ours: a pass, then the metrics, until they agree.
        using var client = factory.CreateClient();
        var metrics = Array.Empty<string>();
        await Wait.UntilAsync(async () =>
        {
            await Watchdog.SweepAsync(Ct);
            metrics = (await client.GetStringAsync("/metrics", Ct)).Split('\n');
            return Pending(metrics, "processing") == processing;
        }, seconds: 5, because: () => $"campus_transcode_jobs_pending{{state=\"processing\"}} is {Pending(metrics, "processing")}, not {processing}");
        Assert.NotNull(Pending(metrics, "queued"));
    }

    /// <summary>The value of <c>campus_transcode_jobs_pending{state=…}</c> in a Prometheus exposition, or null.</summary>
    private static long? Pending(string[] metrics, string state) => metrics
        .Where(l => l.StartsWith("campus_transcode_jobs_pending{", StringComparison.Ordinal) && l.Contains($"state=\"{state}\"", StringComparison.Ordinal))
        .Select(l => (long?)long.Parse(l[(l.LastIndexOf('}') + 2)..].Split(' ')[0], CultureInfo.InvariantCulture))
        .FirstOrDefault();

    [Fact]
    public async Task Work_directories_abandoned_longer_than_a_run_may_take_are_deleted_and_live_ones_kept()
    {
        var abandoned = Directory.CreateDirectory(Path.Combine(factory.WorkDir, Guid.NewGuid().ToString("N")));
        File.WriteAllText(Path.Combine(abandoned.FullName, "source.mp4"), "left by a killed worker");
        var old = DateTime.UtcNow.AddDays(-1);
        File.SetLastWriteTimeUtc(Path.Combine(abandoned.FullName, "source.mp4"), old);
        Directory.SetLastWriteTimeUtc(abandoned.FullName, old);
        var live = Directory.CreateDirectory(Path.Combine(factory.WorkDir, Guid.NewGuid().ToString("N")));
        File.WriteAllText(Path.Combine(live.FullName, "source.mp4"), "being transcoded");

        Watchdog.CleanWorkDir();

        // The host's own watchdog loop may be deleting the same directory at this moment (removing its file touches the
        // directory, so this pass skips it): wait for the deletion rather than expect it finished.
        await Wait.UntilAsync(() => Task.FromResult(!Directory.Exists(abandoned.FullName)), seconds: 10);
        Assert.True(Directory.Exists(live.FullName));
        live.Delete(recursive: true);
    }
}
