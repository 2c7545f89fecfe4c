using System.Net.Http.Json;
using System.Net;
using Amazon.S3.Model;
using Campus.Content.Data;
using Campus.Content.Uploads;
using Campus.ServiceDefaults;
using Campus.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Campus.Content.Tests;

/// <summary>The content host on a clock the test moves.</summary>
public sealed class FakeClockContentFactory : ContentFactory
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The JWKS key cache stays on the real clock: on a clock that stands still one failed read of the key set (a slow
        // machine) would never be retried, and every token of the test class would be refused with a 401.
        builder.ConfigureServices(services => services
            .AddSingleton<TimeProvider>(Time)
            .Replace(ServiceDescriptor.Singleton(provider => new JwksKeyCache(provider.GetRequiredService<IOptions<JwtOptions>>(),
                TimeProvider.System, provider.GetRequiredService<ILogger<JwksKeyCache>>()))));
    }
}

public sealed class SweeperTests(FakeClockContentFactory factory) : IClassFixture<FakeClockContentFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Uploads_not_completed_within_24_h_are_failed_and_their_objects_deleted()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var abandoned = await author.UploadVideoAsync(ContentClient.Mp4());
        using var documentUpload = await author.PostAsJsonAsync("/api/content/documents/upload-url",
            new { file_name = "a.pdf", content_type = "application/pdf", size_bytes = 10 }, Ct);
        var document = (await documentUpload.ExpectAsync(HttpStatusCode.OK)).GetProperty("id").GetGuid();
        var completed = await author.UploadVideoAsync(ContentClient.Mp4());
        using (var complete = await author.PostAsync($"/api/content/media/{completed}/complete", null, Ct))
        {
            await complete.ExpectAsync(HttpStatusCode.OK);
        }
        var sweeper = factory.Services.GetRequiredService<UploadSweeper>();

        factory.Time.Advance(TimeSpan.FromHours(23));
        await sweeper.SweepAsync(Ct);
        Assert.Equal(MediaStatus.Uploading, await StatusAsync(abandoned));

        factory.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await sweeper.SweepAsync(Ct);

        var media = await factory.QueryAsync(db => db.MediaFiles.SingleAsync(m => m.Id == abandoned, Ct));
        Assert.Equal(MediaStatus.Failed, media.Status);
        Assert.Equal("The upload was not completed within 24 h.", media.Error);
        var listed = await factory.Buckets.Client.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = factory.Buckets.BucketName("media-uploads"), Prefix = media.SourceKey }, Ct);
        Assert.Empty(listed.S3Objects ?? []);
        Assert.Equal(DocumentStatus.Failed, await factory.QueryAsync(db => db.Documents.Where(d => d.Id == document).Select(d => d.Status).SingleAsync(Ct)));
        Assert.Equal(MediaStatus.Queued, await StatusAsync(completed));
    }

    private Task<MediaStatus> StatusAsync(Guid id) =>
        factory.QueryAsync(db => db.MediaFiles.Where(m => m.Id == id).Select(m => m.Status).SingleAsync(Ct));
}
