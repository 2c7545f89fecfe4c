using System.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.Storage.Tests;

/// <summary>
/// s3rver does not check signatures, so these checks of the URL itself are the only proof that the signed
/// headers, the expiry and the host are right. Presigning is local: no S3 server is involved.
/// </summary>
public sealed class PresignedUrlTests : IDisposable
{
    private readonly IHost host = StorageHost.Create(StorageHost.OfflineSettings(), "avatars");

    private IObjectStorage Storage => host.Services.GetRequiredService<IObjectStorage>();

    public void Dispose() => host.Dispose();

    [Fact]
    public async Task Upload_url_is_for_the_public_host_with_content_type_signed_and_the_requested_expiry()
    {
        var key = ObjectKeys.NewUpload(".png");

        var upload = await Storage.PresignUploadAsync("avatars", key, "image/png", TimeSpan.FromMinutes(5));

        Assert.Equal("https", upload.Url.Scheme);
        Assert.Equal("files.campus.test", upload.Url.Host);
        Assert.Equal($"/campus-avatars/{key}", upload.Url.AbsolutePath);
        var query = HttpUtility.ParseQueryString(upload.Url.Query);
        Assert.Contains("content-type", query["X-Amz-SignedHeaders"]!.Split(';'));
        Assert.Contains("host", query["X-Amz-SignedHeaders"]!.Split(';'));
        Assert.Equal("300", query["X-Amz-Expires"]);
        Assert.StartsWith("AKIDTEST/", query["X-Amz-Credential"]);
        Assert.EndsWith("/eu-central-1/s3/aws4_request", query["X-Amz-Credential"]);
        Assert.Equal("PUT", upload.Method);
        Assert.Equal("image/png", upload.Headers["Content-Type"]);
        Assert.InRange(upload.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(-5), DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(1));
    }

    [Fact]
    public async Task Upload_urls_are_issued_only_for_keys_of_the_upload_area()
    {
        var multipart = host.Services.GetRequiredService<IMultipartUploads>();

        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PresignUploadAsync("avatars", ObjectKeys.NewChecked(".png"), "image/png"));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PresignUploadAsync("avatars", "3f2c/9b1e.png", "image/png"));
        await Assert.ThrowsAsync<ArgumentException>(() => multipart.PresignPartAsync("avatars", ObjectKeys.NewChecked(".mp4"), "upload-1", 1));
    }

    [Fact]
    public async Task Upload_url_carries_no_checksum_of_an_empty_body()
    {
        var upload = await Storage.PresignUploadAsync("avatars", ObjectKeys.NewUpload(".png"), "image/png");

        Assert.DoesNotContain("checksum", upload.Url.Query, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Upload_and_download_urls_default_to_15_and_10_minutes()
    {
        var upload = await Storage.PresignUploadAsync("avatars", "incoming/a.png", "image/png");
        var download = await Storage.PresignDownloadAsync("avatars", "u1/a.png");

        Assert.Equal("900", HttpUtility.ParseQueryString(upload.Url.Query)["X-Amz-Expires"]);
        Assert.Equal("600", HttpUtility.ParseQueryString(download.Url.Query)["X-Amz-Expires"]);
    }

    [Fact]
    public async Task Download_url_is_for_the_public_host_with_the_requested_expiry_and_no_headers_to_send()
    {
        var download = await Storage.PresignDownloadAsync("avatars", "u1/a.png", expiresIn: TimeSpan.FromSeconds(90));

        Assert.Equal("https://files.campus.test/campus-avatars/u1/a.png", download.Url.GetLeftPart(UriPartial.Path));
        var query = HttpUtility.ParseQueryString(download.Url.Query);
        Assert.Equal("90", query["X-Amz-Expires"]);
        Assert.Equal("host", query["X-Amz-SignedHeaders"]);
        Assert.Equal("GET", download.Method);
        Assert.Empty(download.Headers);
        Assert.Null(query["response-content-disposition"]);
    }

    [Fact]
    public async Task Download_url_with_a_file_name_asks_for_an_attachment_with_an_ascii_fallback_and_the_utf8_name()
    {
        var download = await Storage.PresignDownloadAsync("avatars", "u1/a.pdf", "Отчёт \"Q1\"/2026.pdf");

        var disposition = HttpUtility.ParseQueryString(download.Url.Query)["response-content-disposition"];
        Assert.Equal("attachment; filename=\"_____ Q12026.pdf\"; filename*=utf-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20Q12026.pdf", disposition);
    }

    [Fact]
    public async Task Http_public_url_gives_http_presigned_urls_on_its_port()
    {
        var settings = StorageHost.OfflineSettings();
        settings["Storage:PublicUrl"] = "http://127.0.0.1:8080";
        using var http = StorageHost.Create(settings, "avatars");

        var upload = await http.Services.GetRequiredService<IObjectStorage>().PresignUploadAsync("avatars", "incoming/a.png", "image/png");

        Assert.Equal("http://127.0.0.1:8080/campus-avatars/incoming/a.png", upload.Url.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task Public_url_defaults_to_the_service_url()
    {
        var settings = StorageHost.OfflineSettings();
        settings.Remove("Storage:PublicUrl");
        using var internalOnly = StorageHost.Create(settings, "avatars");

        var download = await internalOnly.Services.GetRequiredService<IObjectStorage>().PresignDownloadAsync("avatars", "u1/a.png");

        Assert.Equal("http://127.0.0.1:1/campus-avatars/u1/a.png", download.Url.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task Presigning_refuses_unregistered_buckets_unsafe_keys_bad_content_types_and_out_of_range_expiries()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Storage.PresignUploadAsync("reports", "incoming/a.png", "image/png"));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PresignUploadAsync("avatars", "../a.png", "image/png"));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PresignUploadAsync("avatars", "incoming/a.png", "image/png\r\nx-amz-acl: public-read"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Storage.PresignDownloadAsync("avatars", "u1/a.png", expiresIn: TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Storage.PresignDownloadAsync("avatars", "u1/a.png", expiresIn: TimeSpan.FromDays(8)));
    }
}
