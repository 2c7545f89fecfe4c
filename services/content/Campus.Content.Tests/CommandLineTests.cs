using Campus.Storage;
using Campus.Testing;

namespace Campus.Content.Tests;

/// <summary>
/// <c>check-dependencies</c> of the built content host, run as its image runs it: the command the chart's <c>helm test</c>
/// runs in a cluster. With <c>ConnectionStrings:Redis</c> set it checks all four kinds of dependency.
/// </summary>
public sealed class CommandLineTests : IAsyncLifetime
{
    private readonly S3TestBuckets _s3 = new();

    [Fact]
    public async Task Check_dependencies_checks_postgres_redis_rabbitmq_and_s3_and_exits_0()
    {
        var settings = new Dictionary<string, string?>(_s3.Settings)
        {
            ["ConnectionStrings:Database"] = TestInfrastructure.PostgresConnectionString("postgres"),
            ["ConnectionStrings:Redis"] = TestInfrastructure.RedisConnectionString,
            ["ConnectionStrings:RabbitMq"] = TestInfrastructure.RabbitMqUri,
            ["Jwt:JwksUrl"] = $"http://127.0.0.1:{TestInfrastructure.ClosedPort()}/api/auth/.well-known/jwks.json",
            ["Jwt:Issuer"] = "campus-auth",
            ["Jwt:Audience"] = "campus",
        };

        var result = await HostProcess.RunAsync(typeof(Program).Assembly.Location, ["check-dependencies"], settings);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Collection(result.Lines,
            line => Assert.StartsWith("postgres  ok ", line, StringComparison.Ordinal),
            line => Assert.StartsWith("redis     ok ", line, StringComparison.Ordinal),
            line => Assert.StartsWith("rabbitmq  ok ", line, StringComparison.Ordinal),
            line => Assert.StartsWith($"s3        ok      {TestInfrastructure.S3Url} buckets {_s3.BucketName(StorageBuckets.Documents)},", line, StringComparison.Ordinal),
            line => Assert.Equal("check-dependencies: 4 ok, 0 failed", line));
    }

    public async ValueTask InitializeAsync()
    {
        await _s3.InitializeAsync();
        // The service creates its buckets when it starts; a command starts nothing, so the test does.
        foreach (var bucket in new[] { StorageBuckets.Documents, StorageBuckets.MediaHls, StorageBuckets.MediaUploads })
        {
            await _s3.Client.PutBucketAsync(_s3.BucketName(bucket));
        }
    }

    public ValueTask DisposeAsync() => _s3.DisposeAsync();
}
