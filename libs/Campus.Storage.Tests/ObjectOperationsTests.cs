namespace Campus.Storage.Tests;

/// <summary>Server-side operations (worker output, reads, deletes) on the real s3rver.</summary>
public sealed class ObjectOperationsTests(StorageFixture fixture) : IClassFixture<StorageFixture>
{
    private const string Bucket = StorageFixture.Uploads;

    private IObjectStorage Storage => fixture.Storage;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Server_side_put_stores_exactly_the_bytes_given()
    {
        // Over http the SDK's default aws-chunked framing would be stored verbatim by s3rver: compare every byte.
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        var key = "media/" + Guid.NewGuid() + "/720p/segment_001.ts";
        using (var content = new MemoryStream(bytes))
        {
            await Storage.PutAsync(Bucket, key, content, "video/mp2t", Cancellation);
        }

        var head = await Storage.HeadAsync(Bucket, key, Cancellation);
        await using var read = await Storage.OpenReadAsync(Bucket, key, Cancellation);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy, Cancellation);

        Assert.Equal(bytes.Length, head?.Size);
        Assert.Equal("video/mp2t", head?.ContentType);
        Assert.NotNull(head?.LastModified);
        Assert.InRange(head!.LastModified!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task First_bytes_are_read_with_a_range_and_a_short_object_gives_what_it_has()
    {
        var key = ObjectKeys.NewUpload(".bin");
        await PutAsync(key, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var emptyKey = ObjectKeys.NewUpload(".bin");
        await PutAsync(emptyKey, []);

        var first = await Storage.ReadFirstBytesAsync(Bucket, key, 4, Cancellation);
        var all = await Storage.ReadFirstBytesAsync(Bucket, key, 4096, Cancellation);
        var none = await Storage.ReadFirstBytesAsync(Bucket, emptyKey, 16, Cancellation);

        Assert.Equal<byte>([1, 2, 3, 4], first!);
        Assert.Equal<byte>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], all!);
        Assert.Empty(none!);
    }

    [Fact]
    public async Task Missing_object_reads_as_null_and_deleting_it_is_not_an_error()
    {
        var key = ObjectKeys.NewUpload(".bin");

        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
        Assert.Null(await Storage.ReadFirstBytesAsync(Bucket, key, 16, Cancellation));
        Assert.Null(await Storage.OpenReadAsync(Bucket, key, Cancellation));
        await Storage.DeleteAsync(Bucket, key, Cancellation);
    }

    [Fact]
    public async Task Delete_removes_the_object()
    {
        var key = ObjectKeys.NewUpload(".bin");
        await PutAsync(key, [1, 2, 3]);

        await Storage.DeleteAsync(Bucket, key, Cancellation);

        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
    }

    [Fact]
    public async Task Non_seekable_content_is_refused_before_anything_is_sent()
    {
        await using var pipe = new System.IO.Pipes.AnonymousPipeServerStream();

        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PutAsync(Bucket, "owner/x.bin", pipe, "application/octet-stream", Cancellation));
    }

    private async Task PutAsync(string key, byte[] body)
    {
        using var stream = new MemoryStream(body);
        await Storage.PutAsync(Bucket, key, stream, "application/octet-stream", Cancellation);
    }
}
