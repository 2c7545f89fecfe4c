using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.S3.Model;
using Campus.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Campus.Storage.Tests;

/// <summary>The <c>s3</c> readiness check and the bucket initializer against s3rver, a proxy that is cut, and a closed port.</summary>
public sealed class ReadinessTests(S3TestBuckets s3) : IClassFixture<S3TestBuckets>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Buckets_are_created_at_start_and_the_check_turns_healthy()
    {
        using var host = StorageHost.Create(s3.Settings, "alpha", "beta");

        await host.StartAsync(Cancellation);
        await StorageHost.WaitUntilHealthyAsync(host);

        var buckets = (await s3.Client.ListBucketsAsync(new ListBucketsRequest(), Cancellation)).Buckets.Select(b => b.BucketName);
        Assert.Contains(s3.BucketName("alpha"), buckets);
        Assert.Contains(s3.BucketName("beta"), buckets);
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task Unhealthy_within_two_seconds_while_s3_is_unreachable_and_the_host_keeps_running()
    {
        var settings = new Dictionary<string, string?>(s3.Settings)
        {
            ["Storage:ServiceUrl"] = $"http://127.0.0.1:{ClosedPort()}",
            ["Storage:SecretKey"] = "secret-that-must-not-be-logged",
        };
        var logs = new CapturedLogs();
        using var host = StorageHost.Create(settings, logs, "gamma");

        await host.StartAsync(Cancellation);
        var clock = Stopwatch.StartNew();
        var entry = await StorageHost.CheckReadinessAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"The check took {clock.Elapsed}.");
        var retrying = Stopwatch.StartNew();
        while (!logs.Lines.Any(line => line.Contains("Could not ensure the S3 buckets", StringComparison.Ordinal)) && retrying.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100, Cancellation);
        }
        Assert.True(retrying.Elapsed < TimeSpan.FromSeconds(10), "The initializer never reported a failed attempt.");
        Assert.Equal(HealthStatus.Unhealthy, (await StorageHost.CheckReadinessAsync(host)).Status);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("secret-that-must-not-be-logged", StringComparison.Ordinal));
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task Check_fails_when_s3_goes_away_and_recovers_when_it_comes_back()
    {
        await using var proxy = TcpProxy.For(TestInfrastructure.S3Url);
        var settings = new Dictionary<string, string?>(s3.Settings) { ["Storage:ServiceUrl"] = proxy.Rewrite(TestInfrastructure.S3Url) };
        using var host = StorageHost.Create(settings, "delta");
        await host.StartAsync(Cancellation);
        await StorageHost.WaitUntilHealthyAsync(host);

        proxy.Stop();
        var clock = Stopwatch.StartNew();
        var whileDown = await StorageHost.CheckReadinessAsync(host);
        var downFor = clock.Elapsed;
        proxy.Start();

        Assert.Equal(HealthStatus.Unhealthy, whileDown.Status);
        Assert.True(downFor < TimeSpan.FromSeconds(3), $"The check took {downFor}.");
        await StorageHost.WaitUntilHealthyAsync(host, TimeSpan.FromSeconds(10));
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task A_bucket_deleted_behind_the_service_is_created_again()
    {
        using var host = StorageHost.Create(s3.Settings, "epsilon");
        await host.StartAsync(Cancellation);
        await StorageHost.WaitUntilHealthyAsync(host);

        await s3.Client.DeleteBucketAsync(s3.BucketName("epsilon"), Cancellation);
        var afterDelete = await StorageHost.CheckReadinessAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, afterDelete.Status);
        await StorageHost.WaitUntilHealthyAsync(host, TimeSpan.FromSeconds(10));
        await host.StopAsync(Cancellation);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
