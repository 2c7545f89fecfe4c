using Campus.Content.Data;
using Campus.Content.Worker.Transcoding;
using Campus.Messaging;
using Campus.Storage;
using Microsoft.Extensions.Options;

namespace Campus.Content.Worker;

internal static class Extensions
{
    /// <summary>The worker's registrations: the content database and its outbox, the transcode queue, storage, ffmpeg and the watchdog.</summary>
    public static void AddContentWorkerServices(this IHostApplicationBuilder builder)
    {
        // "Transcode": {
        //   "Concurrency": 1,                 // jobs at once per process (1..16); also the prefetch of the transcode queue
        //   "FfmpegThreads": 0,               // ffmpeg -threads; 0 = ffmpeg decides
        //   "Preset": "veryfast",             // libx264 preset
        //   "FfmpegPath": "ffmpeg", "FfprobePath": "ffprobe",
        //   "WorkDir": null,                  // default {temp}/campus-transcode; one directory per job, always deleted
        //   "SegmentSeconds": 4,              // HLS segment length, 2..4
        //   "HeartbeatInterval": "00:00:01",  // progress + heartbeat writes while a job runs
        //   "HeartbeatTimeout": "00:02:00",   // a processing job silent this long is re-queued or failed by the watchdog
        //   "WatchdogInterval": "00:00:30",
        //   "MaxAttempts": 3,                 // runs of one job before it fails for good
        //   "MaxRunTime": "02:00:00",         // one ffmpeg run is killed after this
        //   "UploadConcurrency": 4            // parallel S3 uploads of the output
        // }
        builder.Services.AddOptions<TranscodeOptions>()
            .BindConfiguration(TranscodeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Prefetch = concurrency = jobs run at once: a worker holds no more jobs than it runs, the rest stay in the
        // queue for other replicas.
        builder.Services.AddOptions<MessagingOptions>()
            .PostConfigure<IOptions<TranscodeOptions>>((messaging, transcode) =>
                messaging.Prefetch = messaging.ConsumerConcurrency = transcode.Value.Concurrency);

        builder.AddCampusDbContext<ContentDbContext>();
        builder.AddCampusMessaging(messaging => messaging
            .AddOutbox<ContentDbContext>()
            .AddSubscription<TranscodeRequested, TranscodeHandler>(TranscodeRequested.Queue));
        builder.AddCampusStorage(StorageBuckets.MediaUploads, StorageBuckets.MediaHls);

        builder.Services.AddSingleton<Transcoder>();
        builder.Services.AddMetricsAtStart<TranscodeMetrics>();
        builder.Services.AddSingleton<TranscodeWatchdog>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TranscodeWatchdog>());
    }
}
