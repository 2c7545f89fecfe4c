using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Campus.Storage.Tests;

public sealed class StorageOptionsTests
{
    [Theory]
    [InlineData("ServiceUrl")]
    [InlineData("AccessKey")]
    [InlineData("SecretKey")]
    public async Task Missing_required_setting_fails_the_start_naming_it(string setting)
    {
        var settings = StorageHost.OfflineSettings();
        settings.Remove($"Storage:{setting}");
        using var host = StorageHost.Create(settings, "avatars");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(setting, error.Message);
    }

    [Theory]
    [InlineData("Storage:ServiceUrl", "not a url")]
    [InlineData("Storage:PublicUrl", "files.campus.test")]
    [InlineData("Storage:PublicUrl", "https://campus.test/files")]
    [InlineData("Storage:ServiceUrl", "ftp://127.0.0.1:4569")]
    [InlineData("Storage:BucketPrefix", "Campus_")]
    [InlineData("Storage:UploadUrlExpiry", "8.00:00:00")]
    public async Task Invalid_setting_fails_the_start_naming_it(string key, string value)
    {
        var settings = StorageHost.OfflineSettings();
        settings[key] = value;
        using var host = StorageHost.Create(settings, "avatars");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(key["Storage:".Length..], error.Message);
    }

    [Fact]
    public async Task Buckets_of_several_calls_add_up_under_one_readiness_check()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(StorageHost.OfflineSettings());
        builder.Services.AddLogging();
        builder.AddCampusStorage(StorageBuckets.MediaUploads);
        builder.AddCampusStorage(StorageBuckets.MediaHls);
        using var host = builder.Build();
        var storage = host.Services.GetRequiredService<IObjectStorage>();

        var uploads = await storage.PresignDownloadAsync(StorageBuckets.MediaUploads, "a/b.mp4");
        var hls = await storage.PresignDownloadAsync(StorageBuckets.MediaHls, "a/master.m3u8");
        var entry = await StorageHost.CheckReadinessAsync(host);

        Assert.StartsWith("/campus-media-uploads/", uploads.Url.AbsolutePath);
        Assert.StartsWith("/campus-media-hls/", hls.Url.AbsolutePath);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status); // S3 is not even reachable here: only one "s3" check ran
    }

    [Theory]
    [InlineData("Avatars")]
    [InlineData("a")]
    [InlineData("chat_attachments")]
    [InlineData("-avatars")]
    public void Invalid_bucket_name_is_refused_at_registration(string bucket) =>
        Assert.Throws<ArgumentException>(() => StorageHost.Create(StorageHost.OfflineSettings(), bucket));
}
