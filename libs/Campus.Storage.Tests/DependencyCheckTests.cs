using Amazon.S3.Model;
using Campus.ServiceDefaults;
using Campus.Testing;

namespace Campus.Storage.Tests;

/// <summary>The <c>s3</c> line of <c>check-dependencies</c> against s3rver, on buckets of the test's own.</summary>
public sealed class DependencyCheckTests(DependencyCheckTests.Buckets buckets) : IClassFixture<DependencyCheckTests.Buckets>
{
    /// <summary>Two buckets, created as a host's start would.</summary>
    public sealed class Buckets : IAsyncLifetime
    {
        public S3TestBuckets S3 { get; } = new();

        public async ValueTask InitializeAsync()
        {
            await S3.InitializeAsync();
            foreach (var bucket in new[] { StorageBuckets.Avatars, StorageBuckets.Reports })
            {
                await S3.Client.PutBucketAsync(S3.BucketName(bucket));
            }
        }

        public ValueTask DisposeAsync() => S3.DisposeAsync();
    }

    [Fact]
    public async Task Writes_reads_and_deletes_an_object_in_every_bucket_through_presigned_urls()
    {
        var (exitCode, lines) = await CheckAsync(buckets.S3.Settings, StorageBuckets.Avatars, StorageBuckets.Reports);

        Assert.True(exitCode == 0, string.Join('\n', lines));
        Assert.Collection(lines,
            line => Assert.Matches(
                $@"^s3 +ok +http://127\.0\.0\.1:\d+ buckets {buckets.S3.BucketName(StorageBuckets.Avatars)},{buckets.S3.BucketName(StorageBuckets.Reports)}: "
                + @"presigned PUT, GET and delete of a healthcheck/ object in each bucket \(\d+ ms\)$", line),
            line => Assert.Equal("check-dependencies: 1 ok, 0 failed", line));
        foreach (var bucket in new[] { StorageBuckets.Avatars, StorageBuckets.Reports })
        {
            var left = await buckets.S3.Client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = buckets.S3.BucketName(bucket), Prefix = "healthcheck/" }, TestContext.Current.CancellationToken);
            Assert.Empty(left.S3Objects ?? []);
        }
    }

    [Fact]
    public async Task Fails_naming_the_bucket_that_does_not_exist()
    {
        var (exitCode, lines) = await CheckAsync(buckets.S3.Settings, StorageBuckets.Avatars, StorageBuckets.ChatAttachments);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{buckets.S3.BucketName(StorageBuckets.ChatAttachments)}: presigned PUT answered 404", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_private_buckets_required_an_object_readable_without_a_signature_fails_the_check()
    {
        // s3rver checks no signature and serves anyone: exactly what a cluster's bucket policy must refuse.
        var settings = new Dictionary<string, string?>(buckets.S3.Settings) { ["Storage:RequirePrivateBuckets"] = "true" };

        var (exitCode, lines) = await CheckAsync(settings, StorageBuckets.Avatars);

        Assert.Equal(1, exitCode);
        Assert.Contains(
            $"{buckets.S3.BucketName(StorageBuckets.Avatars)}: an unsigned GET answered 200 OK, not 401/403: the bucket is not private.",
            lines[0], StringComparison.Ordinal);
        var left = await buckets.S3.Client.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = buckets.S3.BucketName(StorageBuckets.Avatars), Prefix = "healthcheck/" },
            TestContext.Current.CancellationToken);
        Assert.Empty(left.S3Objects ?? []);
    }

    [Fact]
    public async Task Fails_on_a_closed_port_without_printing_the_keys()
    {
        var settings = new Dictionary<string, string?>(buckets.S3.Settings)
        {
            ["Storage:ServiceUrl"] = $"http://127.0.0.1:{TestInfrastructure.ClosedPort()}",
            ["Storage:AccessKey"] = "access-key-3",
            ["Storage:SecretKey"] = "secret-key-3",
        };

        var (exitCode, lines) = await CheckAsync(settings, StorageBuckets.Avatars);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("s3        FAILED  http://127.0.0.1:", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.Contains("access-key-3", StringComparison.Ordinal) || line.Contains("secret-key-3", StringComparison.Ordinal));
    }

    private static async Task<(int ExitCode, string[] Lines)> CheckAsync(IReadOnlyDictionary<string, string?> settings, params string[] bucketNames)
    {
        using var host = StorageHost.Create(settings, bucketNames);
        await using var output = new StringWriter();
        var exitCode = await HostCommands.RunAsync(host.Services, HostCommands.CheckDependencies, output, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
