using Campus.Auth.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Tests;

/// <summary>
/// The built host run as its image runs it (<c>dotnet Campus.Auth.dll &lt;command&gt;</c>) with the commands every
/// host gets from Campus.ServiceDefaults: the database schema a Kubernetes job would create, and the exit code and line a
/// broken setting produces.
/// </summary>
public sealed class CommandLineTests
{
    private static string HostAssembly => typeof(Program).Assembly.Location;

    [Fact]
    public async Task Migrate_builds_a_fresh_database_with_every_migration_and_exits_0()
    {
        var database = TestInfrastructure.UniqueName("campus_test_cli_");
        try
        {
            var result = await HostProcess.RunAsync(HostAssembly, ["migrate"], Settings(database, TestInfrastructure.RedisConnectionString));

            Assert.True(result.ExitCode == 0, result.ToString());
            var expected = Migrations();
            Assert.Equal($"migrate: AuthDbContext: applied {expected.Count} of {expected.Count} migrations: {string.Join(", ", expected)}",
                Assert.Single(result.Lines));
            Assert.Equal(expected, await MigrationHistory.AppliedAsync(database, TestContext.Current.CancellationToken));

            var again = await HostProcess.RunAsync(HostAssembly, ["migrate"], Settings(database, TestInfrastructure.RedisConnectionString));
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal($"migrate: AuthDbContext: up to date ({expected.Count} migrations applied)", Assert.Single(again.Lines));
        }
        finally
        {
            await MigrationHistory.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Check_dependencies_with_a_wrong_redis_port_exits_1_and_names_redis()
    {
        var port = TestInfrastructure.ClosedPort();

        var result = await HostProcess.RunAsync(HostAssembly, ["check-dependencies"], Settings("postgres", $"127.0.0.1:{port}"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Collection(result.Lines,
            line => Assert.StartsWith("postgres  ok ", line, StringComparison.Ordinal),
            line => Assert.StartsWith($"redis     FAILED  127.0.0.1:{port}: RedisConnectionException: ", line, StringComparison.Ordinal),
            line => Assert.StartsWith("rabbitmq  ok ", line, StringComparison.Ordinal),
            line => Assert.Equal("check-dependencies: 2 ok, 1 failed", line));
    }

    private static Dictionary<string, string?> Settings(string database, string redis) => new()
    {
        ["ConnectionStrings:Database"] = TestInfrastructure.PostgresConnectionString(database),
        ["ConnectionStrings:Redis"] = redis,
        ["ConnectionStrings:RabbitMq"] = TestInfrastructure.RabbitMqUri,
        ["Jwt:JwksUrl"] = $"http://127.0.0.1:{TestInfrastructure.ClosedPort()}/api/auth/.well-known/jwks.json",
        ["Jwt:Issuer"] = "campus-auth",
        ["Jwt:Audience"] = "campus",
    };

    private static List<string> Migrations()
    {
        using var db = new AuthDbContext(new DbContextOptionsBuilder<AuthDbContext>().UseNpgsql("Host=127.0.0.1").Options);
        return [.. db.Database.GetMigrations()];
    }
}
