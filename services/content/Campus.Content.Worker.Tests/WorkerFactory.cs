using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Campus.Content.Data;
using Campus.Messaging;
using Campus.Storage;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Content.Worker.Tests;

/// <summary>
/// The transcode worker on its own fresh content database, queues and buckets, with real ffmpeg at the fastest
/// preset, 2 s segments, short retry delays and a watchdog that only runs when a test calls it.
/// </summary>
public class WorkerFactory : CampusHostFactory<Program, ContentDbContext>
{
    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "campus-transcode-tests", "work-" + Guid.NewGuid().ToString("N"));

    public string ClipDir { get; } = Path.Combine(Path.GetTempPath(), "campus-transcode-tests", "clips-" + Guid.NewGuid().ToString("N"));

    protected virtual string FfmpegPath => "ffmpeg";

    public int MaxAttempts => 2;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Messaging:MaxAttempts"] = "3";
            settings["Messaging:RetryBaseDelay"] = "00:00:00.200";
            settings["Messaging:RetryMaxDelay"] = "00:00:01";
            settings["Transcode:Preset"] = "ultrafast";
            settings["Transcode:SegmentSeconds"] = "2";
            settings["Transcode:FfmpegPath"] = FfmpegPath;
            settings["Transcode:WorkDir"] = WorkDir;
            settings["Transcode:MaxAttempts"] = MaxAttempts.ToString(CultureInfo.InvariantCulture);
            settings["Transcode:HeartbeatInterval"] = "00:00:00.200";
            settings["Transcode:HeartbeatTimeout"] = "00:00:30";
            // Only the sweep at start runs by itself; tests call SweepAsync.
            settings["Transcode:WatchdogInterval"] = "01:00:00";
            return settings;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var directory in new[] { WorkDir, ClipDir })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    public string TranscodeQueue => Broker.QueuePrefix + TranscodeRequested.Queue;

    /// <summary>Starts the host and waits until it is ready (queues declared, broker connected).</summary>
    public Task StartedAsync() => WaitUntilReadyAsync();

    /// <summary>
    /// Uploads <paramref name="sourceFile"/> to the uploads bucket under a checked key (or the key <paramref name="arrange"/>
    /// sets) and writes a media row and a job as the content service's complete endpoint does (both queued unless told otherwise). Returns (media id, job id).
    /// </summary>
    public async Task<(Guid MediaId, Guid JobId)> SeedAsync(string sourceFile, Action<MediaFile, TranscodeJob>? arrange = null)
    {
        await StartedAsync();
        var owner = Guid.NewGuid();
        var key = ObjectKeys.NewChecked(".mp4");
        var now = DateTimeOffset.UtcNow;
        var media = new MediaFile
        {
            Id = Guid.CreateVersion7(),
            OwnerId = owner,
            Filename = "lecture 1.mp4",
            ContentType = "video/mp4",
            SizeBytes = new FileInfo(sourceFile).Length,
            SourceKey = key,
            Status = MediaStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
            UploadExpiresAt = now.AddDays(1),
        };
        var job = new TranscodeJob { Id = Guid.CreateVersion7(), MediaId = media.Id, Status = TranscodeStatus.Queued, CreatedAt = now };
        arrange?.Invoke(media, job);
        await PutSourceAsync(media.SourceKey, sourceFile);
        await using var db = Database.CreateContext();
        db.MediaFiles.Add(media);
        db.TranscodeJobs.Add(job);
        await db.SaveChangesAsync();
        return (media.Id, job.Id);
    }

    private async Task PutSourceAsync(string key, string sourceFile)
    {
        var storage = Services.GetRequiredService<IObjectStorage>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var content = File.OpenRead(sourceFile);
                await storage.PutAsync(StorageBuckets.MediaUploads, key, content, "video/mp4");
                return;
            }
            catch (Amazon.S3.AmazonS3Exception) when (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(200); // the host creates its buckets in the background at start
            }
        }
    }

    public Task RequestAsync(Guid mediaId, Guid jobId) =>
        Services.GetRequiredService<IEventPublisher>().PublishAsync(new TranscodeRequested(jobId, mediaId));

    public async Task<(MediaFile Media, TranscodeJob Job)> RowsAsync(Guid mediaId, Guid jobId)
    {
        await using var db = Database.CreateContext();
        return (await db.MediaFiles.AsNoTracking().SingleAsync(m => m.Id == mediaId),
            await db.TranscodeJobs.AsNoTracking().SingleAsync(j => j.Id == jobId));
    }

    /// <summary>Polls the rows until <paramref name="condition"/> holds; fails with their last state otherwise.</summary>
    public async Task<(MediaFile Media, TranscodeJob Job)> WaitForAsync(Guid mediaId, Guid jobId,
        Func<MediaFile, TranscodeJob, bool> condition, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (media, job) = await RowsAsync(mediaId, jobId);
            if (condition(media, job))
            {
                return (media, job);
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"Rows never reached the expected state: media={media.Status} progress={media.Progress} error={media.Error}; job={job.Status} attempts={job.Attempts} error={job.Error}");
            }
            await Task.Delay(100);
        }
    }

    public Task<uint> DeadLettersAsync() => Services.GetRequiredService<IDeadLetterQueue>().CountAsync(TranscodeRequested.Queue);

    /// <summary>A queue of the test's own bound to the test exchange, to see what the worker publishes.</summary>
    public async Task<BrokerProbe> BindProbeAsync(string routingKey)
    {
        await StartedAsync();
        return await BrokerProbe.BindAsync(Broker, routingKey);
    }

    /// <summary>The next event about <paramref name="mediaId"/>, waiting up to <paramref name="seconds"/>; null when none came.</summary>
    public static Task<JsonElement?> TakeEventAsync(BrokerProbe probe, Guid mediaId, int seconds = 10) =>
        probe.TakeAsync(e => e.GetProperty("media_id").GetGuid() == mediaId, TimeSpan.FromSeconds(seconds));

    /// <summary>True when no job left files behind in the work directory.</summary>
    public bool WorkDirIsClean => !Directory.Exists(WorkDir) || !Directory.EnumerateFileSystemEntries(WorkDir).Any();
}

/// <summary>A worker whose ffmpeg cannot be started (ffprobe works): every attempt fails the same transient way.</summary>
public sealed class BrokenFfmpegWorkerFactory : WorkerFactory
{
    protected override string FfmpegPath => "/nonexistent/ffmpeg";
}
