using Microsoft.Extensions.DependencyInjection;

namespace Campus.Storage.Tests;

/// <summary>Presigned multipart uploads on the real local S3 server: parts PUT by a plain HTTP client, then assembled by the service.</summary>
public sealed class MultipartUploadTests(StorageFixture fixture) : IClassFixture<StorageFixture>
{
    private const string Bucket = StorageFixture.Uploads;
    private const int PartSize = 5 * 1024 * 1024;

    private static readonly HttpClient Browser = new();

    private IMultipartUploads Multipart => fixture.Host.Services.GetRequiredService<IMultipartUploads>();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Parts_put_to_presigned_urls_are_assembled_into_one_object_with_the_started_content_type()
    {
        var bytes = new byte[PartSize + 1000];
        Random.Shared.NextBytes(bytes);
        var key = ObjectKeys.NewUpload(".mp4");
        var uploadId = await Multipart.StartAsync(Bucket, key, "video/mp4", Cancellation);

        var parts = new List<UploadedPart>();
        foreach (var (number, offset) in new[] { (1, 0), (2, PartSize) })
        {
            var url = await Multipart.PresignPartAsync(Bucket, key, uploadId, number, TimeSpan.FromMinutes(5));
            Assert.Empty(url.Headers);
            using var put = await Browser.PutAsync(url.Url, new ByteArrayContent(bytes, offset, Math.Min(PartSize, bytes.Length - offset)), Cancellation);
            put.EnsureSuccessStatusCode();
            parts.Add(new UploadedPart(number, put.Headers.ETag!.Tag));
        }

        // (s3rver checks neither the ETags nor the upload id here: real S3 answers 400 InvalidPart, which is false.)
        Assert.False(await Multipart.CompleteAsync(Bucket, key, uploadId, [], Cancellation));
        Assert.True(await Multipart.CompleteAsync(Bucket, key, uploadId, parts, Cancellation));

        var head = await fixture.Storage.HeadAsync(Bucket, key, Cancellation);
        Assert.Equal((bytes.Length, "video/mp4"), (head!.Size, head.ContentType));
        await using var read = await fixture.Storage.OpenReadAsync(Bucket, key, Cancellation);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy, Cancellation);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Aborting_an_upload_discards_it_and_aborting_again_is_no_error()
    {
        var key = ObjectKeys.NewUpload(".mp4");
        var uploadId = await Multipart.StartAsync(Bucket, key, "video/mp4", Cancellation);
        Assert.Equal([$"{key} {uploadId}"], await fixture.S3.UnfinishedUploadsAsync(Bucket, key, Cancellation));
        await Multipart.AbortAsync(Bucket, key, uploadId, Cancellation);
        Assert.Empty(await fixture.S3.UnfinishedUploadsAsync(Bucket, key, Cancellation));
        await Multipart.AbortAsync(Bucket, key, uploadId, Cancellation);
        Assert.Null(await fixture.Storage.HeadAsync(Bucket, key, Cancellation));
    }
}
