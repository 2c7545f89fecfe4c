using Amazon.S3.Model;
using Campus.Content.Data;
using Campus.Messaging;
using Campus.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Campus.Content.Worker.Tests;

public sealed class TranscodeHandlerTests(WorkerFactory factory) : IClassFixture<WorkerFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Transcode_request_ends_ready_with_hls_in_storage_and_media_ready_event()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 1280, 720);
        var (mediaId, jobId) = await factory.SeedAsync(clip);
        await using var events = await factory.BindProbeAsync("content.media.*");

        await factory.RequestAsync(mediaId, jobId);

        var (media, job) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal((MediaStatus.Ready, 100, null), (media.Status, media.Progress, media.Error));
        Assert.Equal([480, 720], media.Renditions);
        Assert.InRange(media.DurationSeconds!.Value, 1.9, 2.1);
        // Random: nothing in an HLS key is derived from ids students can see.
        Assert.Matches("^hls/[0-9a-f]{32}$", media.HlsPrefix);
        Assert.Equal($"{media.HlsPrefix}/poster.jpg", media.PosterKey);
        Assert.Equal((TranscodeStatus.Done, 1), (job.Status, job.Attempts));
        Assert.NotNull(job.FinishedAt);

        var bucket = factory.Buckets.BucketName(StorageBuckets.MediaHls);
        var master = await ReadAsync(bucket, $"{media.HlsPrefix}/master.m3u8", "application/vnd.apple.mpegurl");
        Assert.Equal(["480p/index.m3u8", "720p/index.m3u8"], TestClips.Variants(master));
        foreach (var height in media.Renditions)
        {
            var playlist = await ReadAsync(bucket, $"{media.HlsPrefix}/{height}p/index.m3u8", "application/vnd.apple.mpegurl");
            Assert.All(TestClips.SegmentDurations(playlist), d => Assert.InRange(d, 0.01, 4.0));
            var segment = TestClips.Variants(playlist)[0];
            await ReadAsync(bucket, $"{media.HlsPrefix}/{height}p/{segment}", "video/mp2t");
        }
        await ReadAsync(bucket, media.PosterKey!, "image/jpeg");

        var ready = await WorkerFactory.TakeEventAsync(events, mediaId);
        Assert.NotNull(ready);
        Assert.Equal("content.media.ready", ready.Value.GetProperty("type").GetString());
        Assert.Equal([480, 720], ready.Value.GetProperty("renditions").EnumerateArray().Select(r => r.GetInt32()));
        Assert.Equal("lecture 1.mp4", ready.Value.GetProperty("file_name").GetString());
        Assert.True(factory.WorkDirIsClean);
    }

    [Fact]
    public async Task Corrupt_file_ends_failed_with_ffmpegs_reason_and_media_failed_event_without_retries()
    {
        var corrupt = TestClips.CreateCorrupt(factory.ClipDir);
        var (mediaId, jobId) = await factory.SeedAsync(corrupt);
        await using var events = await factory.BindProbeAsync("content.media.*");

        await factory.RequestAsync(mediaId, jobId);

        var (media, job) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal(MediaStatus.Failed, media.Status);
        Assert.Contains("Invalid data found when processing input", media.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.WorkDir, media.Error, StringComparison.Ordinal);
        Assert.Equal((TranscodeStatus.Failed, 1, media.Error), (job.Status, job.Attempts, job.Error));
        var failed = await WorkerFactory.TakeEventAsync(events, mediaId);
        Assert.NotNull(failed);
        Assert.Equal("content.media.failed", failed.Value.GetProperty("type").GetString());
        Assert.Equal(media.Error, failed.Value.GetProperty("error").GetString());
        Assert.Equal(0u, await factory.DeadLettersAsync());
        Assert.True(factory.WorkDirIsClean);
    }

    [Fact]
    public async Task Playlist_stored_as_an_mp4_named_m3u8_fails_without_reading_the_file_it_names()
    {
        // What replacing a checked upload used to achieve: bytes nobody checked, under a name ffmpeg took for a format.
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var playlist = TestClips.CreateReferenceTo(factory.ClipDir, clip, "hls", $"{Guid.NewGuid():N}.m3u8");
        var (mediaId, jobId) = await factory.SeedAsync(playlist, (media, _) => media.Filename = "lecture.m3u8");
        var hlsObjects = await CountHlsObjectsAsync();

        await factory.RequestAsync(mediaId, jobId);

        var (media, job) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal((MediaStatus.Failed, TranscodeStatus.Failed), (media.Status, job.Status));
        Assert.Null(media.HlsPrefix);
        Assert.Equal(hlsObjects, await CountHlsObjectsAsync());
    }

    private async Task<int> CountHlsObjectsAsync()
    {
        var listing = await factory.Buckets.Client.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = factory.Buckets.BucketName(StorageBuckets.MediaHls) }, Ct);
        return listing.S3Objects?.Count ?? 0;
    }

    [Fact]
    public async Task Source_still_under_its_upload_key_is_never_transcoded()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip, (media, _) => media.SourceKey = ObjectKeys.NewUpload(".mp4"));

        await factory.RequestAsync(mediaId, jobId);

        var (media, _) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal(MediaStatus.Failed, media.Status);
        Assert.Contains("never checked", media.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redelivered_request_of_a_finished_job_is_acked_without_work()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip);
        await factory.RequestAsync(mediaId, jobId);
        var (before, _) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal(MediaStatus.Ready, before.Status);
        await using var events = await factory.BindProbeAsync("content.media.*");

        await factory.RequestAsync(mediaId, jobId);
        await factory.RequestAsync(mediaId, jobId);

        Assert.Null(await WorkerFactory.TakeEventAsync(events, mediaId, seconds: 3));
        var (media, job) = await factory.RowsAsync(mediaId, jobId);
        Assert.Equal((MediaStatus.Ready, before.UpdatedAt), (media.Status, media.UpdatedAt));
        Assert.Equal((TranscodeStatus.Done, 1), (job.Status, job.Attempts));
        Assert.Equal(0u, await factory.DeadLettersAsync());
    }

    [Fact]
    public async Task Redelivered_request_of_a_job_left_processing_by_a_killed_worker_runs_it_again_to_ready()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip, (media, job) =>
        {
            // What a worker killed mid-transcode leaves behind: processing, a recent heartbeat, one attempt used.
            media.Status = MediaStatus.Processing;
            media.Progress = 40;
            job.Status = TranscodeStatus.Processing;
            job.Attempts = 1;
            job.StartedAt = job.HeartbeatAt = DateTimeOffset.UtcNow;
        });

        await factory.RequestAsync(mediaId, jobId);

        var (media, job) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal((MediaStatus.Ready, 100), (media.Status, media.Progress));
        Assert.Equal([360], media.Renditions);
        Assert.Equal((TranscodeStatus.Done, 2), (job.Status, job.Attempts));
    }

    [Fact]
    public async Task Request_for_a_job_that_used_all_its_attempts_fails_it_instead_of_running_again()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip, (media, job) =>
        {
            media.Status = MediaStatus.Processing;
            job.Status = TranscodeStatus.Processing;
            job.Attempts = factory.MaxAttempts;
        });

        await factory.RequestAsync(mediaId, jobId);

        var (media, job) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal(MediaStatus.Failed, media.Status);
        Assert.Contains("did not finish in 2 attempts", media.Error, StringComparison.Ordinal);
        Assert.Equal((TranscodeStatus.Failed, factory.MaxAttempts), (job.Status, job.Attempts));
    }

    [Fact]
    public void Queue_prefetch_and_parallel_deliveries_are_the_configured_concurrency()
    {
        var messaging = factory.Services.GetRequiredService<IOptions<MessagingOptions>>().Value;
        Assert.Equal((1, 1), (messaging.Prefetch, messaging.ConsumerConcurrency));
    }

    private async Task<string> ReadAsync(string bucket, string key, string contentType)
    {
        using var response = await factory.Buckets.Client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, Ct);
        Assert.Equal(contentType, response.Headers.ContentType);
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync(Ct);
    }
}
