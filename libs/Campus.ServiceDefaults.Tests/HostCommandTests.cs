using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.ServiceDefaults.Tests;

/// <summary>
/// The <c>migrate</c> and <c>check-dependencies</c> commands on a host built the way every Campus host is, against the
/// real PostgreSQL and Redis (the services' test projects run the real hosts' assemblies with them as processes).
/// </summary>
public sealed class HostCommandTests
{
    [Theory]
    [InlineData(new[] { "migrate" }, "migrate")]
    [InlineData(new[] { "check-dependencies", "--urls", "http://127.0.0.1:1" }, "check-dependencies")]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:1" }, null)]
    [InlineData(new[] { "--urls", "migrate" }, null)]
    [InlineData(new[] { "Migrate" }, null)]
    public void Only_a_known_command_as_the_first_argument_replaces_serving(string[] args, string? command) =>
        Assert.Equal(command, HostCommands.FromArguments(args));

    [Fact]
    public async Task Migrate_creates_the_database_applies_every_migration_and_then_finds_it_up_to_date()
    {
        var database = TestInfrastructure.UniqueName("campus_test_migrate_");
        try
        {
            var first = await RunAsync(HostCommands.Migrate, Postgres(database), withContext: true);
            Assert.Equal(0, first.ExitCode);
            Assert.Equal($"migrate: {nameof(ProbeDbContext)}: applied 2 of 2 migrations: {ProbeMigrations.First}, {ProbeMigrations.Second}", Assert.Single(first.Lines));
            Assert.Equal([ProbeMigrations.First, ProbeMigrations.Second], await MigrationHistory.AppliedAsync(database, TestContext.Current.CancellationToken));

            var second = await RunAsync(HostCommands.Migrate, Postgres(database), withContext: true);
            Assert.Equal(0, second.ExitCode);
            Assert.Equal($"migrate: {nameof(ProbeDbContext)}: up to date (2 migrations applied)", Assert.Single(second.Lines));
        }
        finally
        {
            await MigrationHistory.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Migrate_on_a_host_without_a_database_succeeds_and_says_so()
    {
        var result = await RunAsync(HostCommands.Migrate, new Dictionary<string, string?>(), withContext: false);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("migrate: this host has no database of its own (no DbContext); nothing to migrate", Assert.Single(result.Lines));
    }

    [Fact]
    public async Task Migrate_fails_with_exit_code_1_naming_the_context_when_the_database_is_unreachable()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = $"Host=127.0.0.1;Port={TestInfrastructure.ClosedPort()};Username=campus;Password=pg-secret-7;Database=x;Timeout=3",
        };

        var result = await RunAsync(HostCommands.Migrate, settings, withContext: true);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"migrate: {nameof(ProbeDbContext)}: FAILED: ", Assert.Single(result.Lines), StringComparison.Ordinal);
        Assert.DoesNotContain("pg-secret-7", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_dependencies_checks_postgres_and_redis_when_their_connection_strings_are_set()
    {
        var settings = new Dictionary<string, string?>(Postgres("postgres"))
        {
            ["ConnectionStrings:Redis"] = TestInfrastructure.RedisConnectionString,
        };

        var result = await RunAsync(HostCommands.CheckDependencies, settings, withContext: false);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Collection(result.Lines,
            line => Assert.Matches(@"^postgres +ok +127\.0\.0\.1:\d+/postgres as campus: SELECT 1 \(\d+ ms\)$", line),
            line => Assert.Matches(@"^redis +ok +127\.0\.0\.1:\d+: PING answered in [\d.]+ ms \(\d+ ms\)$", line),
            line => Assert.Equal("check-dependencies: 2 ok, 0 failed", line));
    }

    [Fact]
    public async Task Check_dependencies_fails_on_a_wrong_redis_port_names_it_and_prints_no_password()
    {
        var port = TestInfrastructure.ClosedPort();
        var settings = new Dictionary<string, string?>(Postgres("postgres"))
        {
            ["ConnectionStrings:Redis"] = $"127.0.0.1:{port},password=redis-secret-9",
        };

        var result = await RunAsync(HostCommands.CheckDependencies, settings, withContext: false);

        Assert.Equal(1, result.ExitCode);
        Assert.Collection(result.Lines,
            line => Assert.StartsWith("postgres  ok ", line, StringComparison.Ordinal),
            line => Assert.StartsWith($"redis     FAILED  127.0.0.1:{port}: RedisConnectionException: ", line, StringComparison.Ordinal),
            line => Assert.Equal("check-dependencies: 1 ok, 1 failed", line));
        Assert.DoesNotContain("redis-secret-9", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_dependencies_on_a_host_configured_for_nothing_succeeds_and_says_so()
    {
        var result = await RunAsync(HostCommands.CheckDependencies, new Dictionary<string, string?>(), withContext: false);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("check-dependencies: this host is configured for no database, cache, broker or storage; nothing to check", Assert.Single(result.Lines));
    }

    private static Dictionary<string, string?> Postgres(string database) => new()
    {
        ["ConnectionStrings:Database"] = TestInfrastructure.PostgresConnectionString(database),
    };

    /// <summary>Builds (does not start) a host as Program.cs does and runs the command on its services.</summary>
    private static async Task<HostProcessResult> RunAsync(string command, IReadOnlyDictionary<string, string?> settings, bool withContext)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ApplicationName = "Campus.ServiceDefaults.Tests",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        // A host with a database or Redis registers it (Campus.Data, Campus.Redis), and with it its check.
        if (settings.ContainsKey("ConnectionStrings:Database"))
        {
            builder.AddCampusPostgres();
        }
        if (settings.ContainsKey("ConnectionStrings:Redis"))
        {
            builder.AddCampusRedis();
        }
        if (withContext)
        {
            builder.AddCampusDbContext<ProbeDbContext>();
            // A pooled context cannot configure itself (OnConfiguring); the probe has migrations but no model.
            builder.Services.ConfigureDbContext<ProbeDbContext>(options =>
                options.ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning)));
        }
        await using var app = builder.Build();
        await using var output = new StringWriter();
        var exitCode = await HostCommands.RunAsync(app.Services, command, output, TestContext.Current.CancellationToken);
        return new HostProcessResult(exitCode, output.ToString(), "");
    }
}

/// <summary>A context whose two migrations are written by hand (no model, so no snapshot to keep in step).</summary>
public sealed class ProbeDbContext(DbContextOptions<ProbeDbContext> options) : DbContext(options);

internal static class ProbeMigrations
{
    public const string First = "20260101000000_CreateProbes";
    public const string Second = "20260102000000_AddProbeName";
}

[DbContext(typeof(ProbeDbContext))]
[Migration(ProbeMigrations.First)]
public sealed class CreateProbes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("CREATE TABLE probes (id integer PRIMARY KEY)");
}

[DbContext(typeof(ProbeDbContext))]
[Migration(ProbeMigrations.Second)]
public sealed class AddProbeName : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("ALTER TABLE probes ADD COLUMN name text");
}
