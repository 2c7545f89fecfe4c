using System.Diagnostics;
using Campus.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campus.Storage.Tests;

/// <summary>A bare host with only <c>AddCampusStorage</c>, as a service would configure it.</summary>
internal static class StorageHost
{
    public static IHost Create(IReadOnlyDictionary<string, string?> settings, params string[] buckets) =>
        Create(settings, new CapturedLogs(), buckets);

    public static IHost Create(IReadOnlyDictionary<string, string?> settings, CapturedLogs logs, params string[] buckets)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        builder.AddCampusStorage(buckets);
        return builder.Build();
    }

    /// <summary>Settings for tests that never reach S3 (presigning is local).</summary>
    public static Dictionary<string, string?> OfflineSettings() => new()
    {
        ["Storage:ServiceUrl"] = "http://127.0.0.1:1",
        ["Storage:PublicUrl"] = "https://files.campus.test",
        ["Storage:AccessKey"] = "AKIDTEST",
        ["Storage:SecretKey"] = "not-a-real-secret",
        ["Storage:Region"] = "eu-central-1",
    };

    public static async Task<HealthReportEntry> CheckReadinessAsync(IHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Tags.Contains("ready"), TestContext.Current.CancellationToken);
        return report.Entries["s3"];
    }

    public static async Task WaitUntilHealthyAsync(IHost host, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var entry = await CheckReadinessAsync(host);
            if (entry.Status == HealthStatus.Healthy)
            {
                return;
            }
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
            {
                throw new TimeoutException($"The s3 check stayed {entry.Status}: {entry.Description}");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>A started storage host over its own buckets on s3rver, shared by the tests of one class.</summary>
public sealed class StorageFixture : IAsyncLifetime
{
    public const string Uploads = "uploads";

    public S3TestBuckets S3 { get; } = new();

    public CapturedLogs Logs { get; } = new();

    public IHost Host { get; private set; } = null!;

    public IObjectStorage Storage => Host.Services.GetRequiredService<IObjectStorage>();

    public async ValueTask InitializeAsync()
    {
        await S3.InitializeAsync();
        Host = StorageHost.Create(S3.Settings, Logs, Uploads);
        await Host.StartAsync();
        await StorageHost.WaitUntilHealthyAsync(Host);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await S3.DisposeAsync();
    }
}
