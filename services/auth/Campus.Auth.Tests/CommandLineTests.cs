using Campus.Auth.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

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
            Assert.Equal(expected, await AppliedMigrationsAsync(database));

            var again = await HostProcess.RunAsync(HostAssembly, ["migrate"], Settings(database, TestInfrastructure.RedisConnectionString));
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal($"migrate: AuthDbContext: up to date ({expected.Count} migrations applied)", Assert.Single(again.Lines));
        }
        finally
        {
            await DropAsync(database);
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

    private static async Task<List<string>> AppliedMigrationsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString(database));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand("SELECT migration_id FROM \"__EFMigrationsHistory\" ORDER BY migration_id", connection);
        await using var reader = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    private static async Task DropAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
