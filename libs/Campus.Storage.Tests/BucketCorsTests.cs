using System.Net;
using Amazon.S3.Model;
using Campus.Testing;

namespace Campus.Storage.Tests;

/// <summary><c>Storage:CorsOrigins</c>: the CORS rule a browser needs, put on every registered bucket at start (s3rver).</summary>
public sealed class BucketCorsTests(S3TestBuckets s3) : IClassFixture<S3TestBuckets>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_bucket_gets_the_rule_and_a_page_of_a_listed_origin_may_read_what_a_player_needs()
    {
        var settings = new Dictionary<string, string?>(s3.Settings)
        {
            ["Storage:CorsOrigins:0"] = "https://campus.example.com",
            ["Storage:CorsOrigins:1"] = "http://127.0.0.1:*",
        };
        using var host = StorageHost.Create(settings, "hls", "avatars");
        await host.StartAsync(Cancellation);
        await StorageHost.WaitUntilHealthyAsync(host);

        foreach (var bucket in new[] { "hls", "avatars" })
        {
            var cors = await s3.Client.GetCORSConfigurationAsync(new GetCORSConfigurationRequest { BucketName = s3.BucketName(bucket) }, Cancellation);
            var rule = Assert.Single(cors.Configuration.Rules);
            Assert.Equal(["https://campus.example.com", "http://127.0.0.1:*"], rule.AllowedOrigins);
            Assert.Equal(["GET", "HEAD", "PUT"], rule.AllowedMethods);
            Assert.Contains("Range", rule.AllowedHeaders);
            Assert.Equal(["Content-Length", "Content-Range", "Accept-Ranges", "ETag"], rule.ExposeHeaders);
        }

        await s3.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = s3.BucketName("hls"), Key = "hls/a/index.m3u8", ContentBody = "#EXTM3U\n",
        }, Cancellation);
        using var http = new HttpClient();
        var url = $"{s3.Settings["Storage:ServiceUrl"]}/{s3.BucketName("hls")}/hls/a/index.m3u8";

        using var allowed = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Origin", "http://127.0.0.1:43210" } } };
        using var answer = await http.SendAsync(allowed, Cancellation);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("http://127.0.0.1:43210", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Content-Range", answer.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);

        using var other = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Origin", "https://evil.example.net" } } };
        using var refused = await http.SendAsync(other, Cancellation);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task Without_origins_the_buckets_cors_is_left_alone()
    {
        using var host = StorageHost.Create(s3.Settings, "plain");
        await host.StartAsync(Cancellation);
        await StorageHost.WaitUntilHealthyAsync(host);

        var error = await Assert.ThrowsAnyAsync<Amazon.S3.AmazonS3Exception>(() =>
            s3.Client.GetCORSConfigurationAsync(new GetCORSConfigurationRequest { BucketName = s3.BucketName("plain") }, Cancellation));
        Assert.Equal("NoSuchCORSConfiguration", error.ErrorCode);
        await host.StopAsync(Cancellation);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://campus.example.com/")]
    [InlineData("https://campus.example.com/app")]
    [InlineData("ftp://campus.example.com")]
    [InlineData("https://*.campus.*.com")]
    public async Task An_origin_that_is_not_one_stops_the_host(string origin)
    {
        var settings = StorageHost.OfflineSettings();
        settings["Storage:CorsOrigins:0"] = origin;
        using var host = StorageHost.Create(settings, "avatars");

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(Cancellation));

        Assert.Contains("Storage:CorsOrigins", error.Message, StringComparison.Ordinal);
    }
}
