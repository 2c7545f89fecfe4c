using System.Net;
using System.Net.Http.Headers;
using Campus.Testing;

namespace Campus.Storage.Tests;

/// <summary>The upload flow on the real s3rver: presigned PUT, plain HTTP upload, verification, presigned GET.</summary>
public sealed class UploadTests(StorageFixture fixture) : IClassFixture<StorageFixture>
{
    private const string Bucket = StorageFixture.Uploads;
    private static readonly HttpClient Http = new();
    private static readonly UploadRules ImageRules = new(64 * 1024, FileSignatures.Images);

    private IObjectStorage Storage => fixture.Storage;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Presigned_upload_is_verified_and_presigned_download_returns_identical_bytes()
    {
        var png = Png(20_000);
        var key = ObjectKeys.NewUpload(".png");

        var upload = await Storage.PresignUploadAsync(Bucket, key, "image/png");
        using var put = await SendAsync(upload, png);
        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, cancellationToken: Cancellation);
        var download = await Storage.PresignDownloadAsync(Bucket, verification.Object!.Key);
        var downloaded = await Http.GetByteArrayAsync(download.Url, Cancellation);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.True(verification.IsAccepted, verification.Problem?.Detail);
        Assert.Same(FileSignatures.Png, verification.Type);
        Assert.Equal(png.Length, verification.Object.Size);
        Assert.Equal("image/png", verification.Object.ContentType);
        Assert.False(string.IsNullOrEmpty(verification.Object.ETag));
        Assert.Equal(png, downloaded);
    }

    [Fact]
    public async Task Promoted_upload_is_copied_to_a_random_checked_key_and_the_upload_stays_until_the_caller_deletes_it()
    {
        var key = ObjectKeys.NewUpload(".png");
        using var put = await SendAsync(await Storage.PresignUploadAsync(Bucket, key, "image/png"), Png(500));

        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, "image/png", 500, Cancellation);

        Assert.True(verification.IsAccepted, verification.Problem?.Detail);
        Assert.Matches("^checked/[0-9a-f]{32}\\.png$", verification.Object.Key);
        Assert.Equal(500, (await Storage.HeadAsync(Bucket, verification.Object.Key, Cancellation))?.Size);
        Assert.NotNull(await Storage.HeadAsync(Bucket, key, Cancellation));

        // After the caller's commit.
        await Storage.DeleteUploadAsync(Bucket, key, Cancellation);

        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
        Assert.Equal(500, (await Storage.HeadAsync(Bucket, verification.Object.Key, Cancellation))?.Size);
    }

    [Fact]
    public async Task An_upload_whose_callers_commit_failed_is_promoted_again_on_retry()
    {
        var png = Png(700);
        var key = ObjectKeys.NewUpload(".png");
        using var put = await SendAsync(await Storage.PresignUploadAsync(Bucket, key, "image/png"), png);
        var first = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, "image/png", png.Length, Cancellation);

        // The caller's database refused the commit, so it never called DeleteUploadAsync; the client repeats complete.
        var retried = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, "image/png", png.Length, Cancellation);

        Assert.True(first.IsAccepted, first.Problem?.Detail);
        Assert.True(retried.IsAccepted, retried.Problem?.Detail);
        Assert.NotEqual(first.Object.Key, retried.Object.Key);
        Assert.Equal(png, await Http.GetByteArrayAsync((await Storage.PresignDownloadAsync(Bucket, retried.Object.Key)).Url, Cancellation));
    }

    [Fact]
    public async Task Deleting_a_promoted_upload_is_best_effort_and_only_for_upload_keys()
    {
        // Nothing there (deleted before, or never uploaded): not an error.
        await Storage.DeleteUploadAsync(Bucket, ObjectKeys.NewUpload(".png"), Cancellation);

        await Assert.ThrowsAsync<ArgumentException>(() => Storage.DeleteUploadAsync(Bucket, ObjectKeys.NewChecked(".png"), Cancellation));
    }

    [Fact]
    public async Task Bytes_put_to_the_upload_url_after_the_promotion_never_reach_the_checked_object()
    {
        var png = Png(97);
        var key = ObjectKeys.NewUpload(".png");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "image/png");
        using var first = await SendAsync(upload, png);
        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, "image/png", png.Length, Cancellation);

        // The URL is still valid: the client replaces "its" object with something nobody checked.
        var replacement = new byte[200_000];
        Random.Shared.NextBytes(replacement);
        using var second = await SendAsync(upload, replacement);
        var served = await Http.GetByteArrayAsync((await Storage.PresignDownloadAsync(Bucket, verification.Object!.Key)).Url, Cancellation);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(png, served);
        Assert.Equal(png.Length, (await Storage.HeadAsync(Bucket, verification.Object.Key, Cancellation))?.Size);
    }

    [Fact]
    public async Task Upload_larger_than_declared_is_refused_and_deleted()
    {
        var key = ObjectKeys.NewUpload(".png");
        using var put = await SendAsync(await Storage.PresignUploadAsync(Bucket, key, "image/png"), Png(2_000));

        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, "image/png", declaredBytes: 97, Cancellation);

        Assert.Equal(UploadProblems.SizeMismatch, verification.Problem?.Code);
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
    }

    [Fact]
    public async Task Only_upload_keys_can_be_promoted()
    {
        var key = ObjectKeys.NewChecked(".png");
        await PutAsync(key, Png(100), "image/png");

        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PromoteUploadAsync(Bucket, key, ImageRules, cancellationToken: Cancellation));
    }

    [Fact]
    public async Task Presigned_download_with_a_file_name_is_served_as_an_attachment()
    {
        var key = ObjectKeys.NewUpload(".png");
        await PutAsync(key, Png(100), "image/png");

        var download = await Storage.PresignDownloadAsync(Bucket, key, "фото.png");
        using var response = await Http.GetAsync(download.Url, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("фото.png", response.Content.Headers.ContentDisposition?.FileNameStar);
    }

    [Fact]
    public async Task Expired_presigned_urls_are_refused()
    {
        var key = ObjectKeys.NewUpload(".png");
        await PutAsync(key, Png(100), "image/png");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "image/png", TimeSpan.FromSeconds(1));
        // X-Amz-Date has whole seconds: a 2 s URL is valid for at least one more second, long enough to be used once.
        var download = await Storage.PresignDownloadAsync(Bucket, key, expiresIn: TimeSpan.FromSeconds(2));
        using (var fresh = await Http.GetAsync(download.Url, Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        // The S3 server enforces expiry with its own clock, so real time passes: until it refuses the download URL
        // (at most 3 s), by which time the upload URL, signed before it for less time, has expired too.
        var refused = HttpStatusCode.OK;
        await Wait.UntilAsync(async () =>
        {
            using var get = await Http.GetAsync(download.Url, Cancellation);
            refused = get.StatusCode;
            return refused != HttpStatusCode.OK;
        }, seconds: 5, intervalMs: 200);
        using var put = await SendAsync(upload, Png(200));

        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(Png(100).Length, (await Storage.HeadAsync(Bucket, key, Cancellation))?.Size);
    }

    [Fact]
    public async Task Upload_with_a_wrong_magic_number_is_refused_and_deleted()
    {
        var key = ObjectKeys.NewUpload(".png");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "image/png");
        using var put = await SendAsync(upload, "<script>alert(1)</script>"u8.ToArray());

        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, cancellationToken: Cancellation);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.False(verification.IsAccepted);
        Assert.Equal(UploadProblems.ContentMismatch, verification.Problem.Code);
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
    }

    [Fact]
    public async Task Upload_of_another_allowed_type_than_declared_is_refused_and_deleted()
    {
        var key = ObjectKeys.NewUpload(".png");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "image/png");
        using var put = await SendAsync(upload, TestImages.Png(4, 4));

        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, declaredContentType: "image/jpeg", cancellationToken: Cancellation);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.False(verification.IsAccepted);
        Assert.Equal(UploadProblems.ContentMismatch, verification.Problem.Code);
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
    }

    [Fact]
    public async Task Upload_over_the_size_limit_is_refused_and_deleted()
    {
        var key = ObjectKeys.NewUpload(".png");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "image/png");
        using var put = await SendAsync(upload, Png(ImageRules.MaxBytes + 1));

        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, cancellationToken: Cancellation);

        Assert.Equal(UploadProblems.TooLarge, verification.Problem?.Code);
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
    }

    [Fact]
    public async Task Upload_of_a_type_not_allowed_is_refused_and_deleted()
    {
        var key = ObjectKeys.NewUpload(".pdf");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "application/pdf");
        using var put = await SendAsync(upload, "%PDF-1.7\n"u8.ToArray());

        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, cancellationToken: Cancellation);

        Assert.Equal(UploadProblems.TypeNotAllowed, verification.Problem?.Code);
        Assert.Null(await Storage.HeadAsync(Bucket, key, Cancellation));
    }

    [Fact]
    public async Task Confirming_an_upload_that_never_happened_reports_it_missing()
    {
        var verification = await Storage.PromoteUploadAsync(Bucket, ObjectKeys.NewUpload(".png"), ImageRules, cancellationToken: Cancellation);

        Assert.Equal(UploadProblems.Missing, verification.Problem?.Code);
    }

    [Fact]
    public async Task Text_upload_with_a_charset_parameter_is_accepted()
    {
        var key = ObjectKeys.NewUpload(".csv");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "text/csv; charset=utf-8");
        using var put = await SendAsync(upload, "name;score\nАнна;5\n"u8.ToArray());

        var verification = await Storage.PromoteUploadAsync(Bucket, key, new UploadRules(1024, FileSignatures.Documents), cancellationToken: Cancellation);

        Assert.True(verification.IsAccepted, verification.Problem?.Detail);
        Assert.Same(FileSignatures.Csv, verification.Type);
    }

    [Fact]
    public async Task Logs_never_contain_presigned_urls_or_credentials()
    {
        var key = ObjectKeys.NewUpload(".png");
        var upload = await Storage.PresignUploadAsync(Bucket, key, "image/png");
        using var put = await SendAsync(upload, "not an image"u8.ToArray());
        var verification = await Storage.PromoteUploadAsync(Bucket, key, ImageRules, cancellationToken: Cancellation);
        await Storage.PresignDownloadAsync(Bucket, key, "x.png");

        Assert.False(verification.IsAccepted);
        Assert.Contains(fixture.Logs.Lines, line => line.Contains(UploadProblems.ContentMismatch, StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains("X-Amz-", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(TestInfrastructure.S3SecretKey, StringComparison.Ordinal));
    }

    /// <summary>What a browser or mobile client does with a presigned request: exactly its method, URL and headers.</summary>
    private static async Task<HttpResponseMessage> SendAsync(PresignedRequest presigned, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(presigned.Headers["Content-Type"]);
        using var request = new HttpRequestMessage(new HttpMethod(presigned.Method), presigned.Url) { Content = content };
        return await Http.SendAsync(request, Cancellation);
    }

    private async Task PutAsync(string key, byte[] body, string contentType)
    {
        using var stream = new MemoryStream(body);
        await Storage.PutAsync(Bucket, key, stream, contentType, Cancellation);
    }

    private static byte[] Png(long length)
    {
        var bytes = new byte[length];
        new Random((int)length).NextBytes(bytes);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        return bytes;
    }
}
