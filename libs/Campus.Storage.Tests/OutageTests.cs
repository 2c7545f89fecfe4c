using System.Net;
using System.Net.Sockets;
using Campus.ServiceDefaults;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.Storage.Tests;

/// <summary>What a request that needs S3 while it is down turns into: the <c>storage_unavailable</c> outage (a 503), not a bug.</summary>
public sealed class OutageTests(S3TestBuckets s3) : IClassFixture<S3TestBuckets>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_operation_against_an_unreachable_s3_is_a_storage_outage()
    {
        var settings = new Dictionary<string, string?>(s3.Settings) { ["Storage:ServiceUrl"] = $"http://127.0.0.1:{ClosedPort()}" };
        using var host = StorageHost.Create(settings, "epsilon");
        var storage = host.Services.GetRequiredService<IObjectStorage>();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => storage.HeadAsync("epsilon", "some/key", Cancellation));

        var outage = DependencyOutages.Find(host.Services.GetServices<DependencyOutage>(), error);
        Assert.True(outage is not null, $"Not recognised as an outage: {error}");
        Assert.Equal("storage_unavailable", outage.Code);
    }

    [Fact]
    public async Task Deleting_a_promoted_upload_while_s3_is_unreachable_is_logged_and_left_to_the_lifecycle_rule()
    {
        var settings = new Dictionary<string, string?>(s3.Settings) { ["Storage:ServiceUrl"] = $"http://127.0.0.1:{ClosedPort()}" };
        var logs = new CapturedLogs();
        using var host = StorageHost.Create(settings, logs, "epsilon");
        var storage = host.Services.GetRequiredService<IObjectStorage>();

        // The caller has committed: the request must not fail now.
        await storage.DeleteUploadAsync("epsilon", ObjectKeys.NewUpload(".png"), Cancellation);

        Assert.Contains(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("lifecycle rule", StringComparison.Ordinal));
    }

    [Fact]
    public void Other_transport_errors_are_not_a_storage_outage()
    {
        Assert.False(StorageExtensions.StorageOutage.Matches(new HttpRequestException("from somewhere else")));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
