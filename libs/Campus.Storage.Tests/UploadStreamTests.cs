namespace Campus.Storage.Tests;

/// <summary>
/// The service's own multipart upload stream on the real local S3 server: parts uploaded while writing, the object
/// assembled only by an explicit complete, and an unfinished upload aborted — no upload left behind to hold its parts.
/// </summary>
public sealed class UploadStreamTests(StorageFixture fixture) : IClassFixture<StorageFixture>
{
    private const string Bucket = StorageFixture.Uploads;
    private const int PartSize = ObjectUploadStream.MinPartSize;

    private IObjectStorage Storage => fixture.Storage;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Parts_are_uploaded_while_writing_and_the_object_appears_only_when_completed()
    {
        var bytes = new byte[2 * PartSize + 123_457];
        Random.Shared.NextBytes(bytes);
        var key = $"reports/{Guid.NewGuid():N}.xlsx";
        await using var upload = await Storage.OpenUploadStreamAsync(Bucket, key, "application/octet-stream", PartSize, Cancellation);
        for (var offset = 0; offset < bytes.Length; offset += 100_000)
        {
            await upload.WriteAsync(bytes.AsMemory(offset, Math.Min(100_000, bytes.Length - offset)), Cancellation);
        }

        Assert.Equal(2, upload.PartsUploaded);
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
        Assert.Equal(bytes.Length, await upload.CompleteAsync(Cancellation));
        Assert.Equal(3, upload.PartsUploaded);

        await using var read = await Storage.OpenReadAsync(Bucket, key, Cancellation);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy, Cancellation);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task An_unfinished_upload_is_aborted_and_leaves_no_object_and_no_upload()
    {
        var key = $"reports/{Guid.NewGuid():N}.xlsx";
        string uploadId;
        await using (var upload = await Storage.OpenUploadStreamAsync(Bucket, key, "application/octet-stream", PartSize, Cancellation))
        {
            uploadId = upload.UploadId;
            await upload.WriteAsync(new byte[PartSize + 10], Cancellation);
            Assert.Equal(1, upload.PartsUploaded);
            Assert.Equal([$"{key} {uploadId}"], await fixture.S3.UnfinishedUploadsAsync(Bucket, key, Cancellation));
            // The writer fails here: the stream is disposed without CompleteAsync.
        }

        Assert.Empty(await fixture.S3.UnfinishedUploadsAsync(Bucket, key, Cancellation));
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
        // And an explicit abort of an upload already gone (a killed run's, aborted from its row) is no error.
        await Storage.AbortUploadAsync(Bucket, key, uploadId, Cancellation);
    }

    [Fact]
    public async Task An_upload_left_by_a_killed_writer_is_aborted_by_its_id()
    {
        var key = $"reports/{Guid.NewGuid():N}.xlsx";
        // A writer that dies leaves its upload open: neither completed nor aborted (here: not yet disposed).
        await using var upload = await Storage.OpenUploadStreamAsync(Bucket, key, "application/octet-stream", PartSize, Cancellation);
        await upload.WriteAsync(new byte[PartSize + 10], Cancellation);
        Assert.Equal([$"{key} {upload.UploadId}"], await fixture.S3.UnfinishedUploadsAsync(Bucket, key, Cancellation));

        await Storage.AbortUploadAsync(Bucket, key, upload.UploadId, Cancellation);

        Assert.Empty(await fixture.S3.UnfinishedUploadsAsync(Bucket, key, Cancellation));
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
    }
}
