using Campus.Content.Data;

namespace Campus.Content.Worker.Tests;

public sealed class RetryTests(BrokenFfmpegWorkerFactory factory) : IClassFixture<BrokenFfmpegWorkerFactory>
{
    [Fact]
    public async Task Transient_failure_is_retried_and_ends_failed_when_attempts_are_exhausted()
    {
        var clip = await TestClips.CreateAsync(factory.ClipDir, 640, 360);
        var (mediaId, jobId) = await factory.SeedAsync(clip);
        await using var events = await factory.BindProbeAsync("content.media.failed");

        await factory.RequestAsync(mediaId, jobId);

        var (media, job) = await factory.WaitForAsync(mediaId, jobId, (m, _) => m.Status is MediaStatus.Ready or MediaStatus.Failed);
        Assert.Equal(MediaStatus.Failed, media.Status);
        Assert.Contains("failed after 2 attempts", media.Error, StringComparison.Ordinal);
        Assert.Contains("Transcode:FfmpegPath", media.Error, StringComparison.Ordinal);
        Assert.Equal((TranscodeStatus.Failed, 2), (job.Status, job.Attempts));
        Assert.NotNull(await WorkerFactory.TakeEventAsync(events, mediaId));
        Assert.Equal(0u, await factory.DeadLettersAsync());
        Assert.True(factory.WorkDirIsClean);
    }
}
