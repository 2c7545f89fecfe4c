using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Testing;

/// <summary>
/// A fresh database on the real local PostgreSQL for one test class, built by the service's own migrations
/// and dropped afterwards. Use as a class fixture: <c>IClassFixture&lt;PostgresTestDatabase&lt;AuthDbContext&gt;&gt;</c>.
/// </summary>
public class PostgresTestDatabase<TContext> : IAsyncLifetime where TContext : DbContext
{
    public string Name { get; } = TestInfrastructure.UniqueName("campus_test_");

    public string ConnectionString => TestInfrastructure.PostgresConnectionString(Name);

    /// <summary>A context on this database, for arranging and asserting rows.</summary>
    public TContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<TContext>()
            .UseNpgsql(ConnectionString)
            .UseSnakeCaseNamingConvention()
            .Options;
        return (TContext)Activator.CreateInstance(typeof(TContext), options)!;
    }

    public async ValueTask InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        await using var db = CreateContext();
        await db.Database.MigrateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
