using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Testing;

/// <summary>
/// A fresh database on the real local PostgreSQL for one test class, built by the context's own migrations
/// (or from its model when it has none, as a library's test context) and dropped afterwards.
/// Use as a class fixture: <c>IClassFixture&lt;PostgresTestDatabase&lt;AuthDbContext&gt;&gt;</c>.
/// </summary>
public class PostgresTestDatabase<TContext> : IAsyncLifetime where TContext : DbContext
{
    public string Name { get; } = TestInfrastructure.UniqueName("campus_test_");

    public string ConnectionString => TestInfrastructure.PostgresConnectionString(Name);

    /// <summary>Points a context at this database the way the services do (Npgsql, snake_case names).</summary>
    public void Configure(DbContextOptionsBuilder options) => options.UseNpgsql(ConnectionString).UseSnakeCaseNamingConvention();

    /// <summary>A context on this database, outside any host: for arranging and asserting rows.</summary>
    public TContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<TContext>();
        Configure(options);
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }

    /// <summary>
    /// The payloads a service wrote to its outbox (<c>outbox_messages</c>, published or not) under <paramref name="routingKey"/>,
    /// oldest first: what its consumers will receive.
    /// </summary>
    public async Task<List<JsonElement>> OutboxEventsAsync(string routingKey)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT payload::text FROM outbox_messages WHERE routing_key = @key ORDER BY created_at", connection);
        query.Parameters.AddWithValue("key", routingKey);
        await using var reader = await query.ExecuteReaderAsync();
        var events = new List<JsonElement>();
        while (await reader.ReadAsync())
        {
            events.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
        }
        return events;
    }

    /// <summary>
    /// Sessions of this database waiting for a lock held by another transaction (a row or an advisory lock): the signal
    /// that a statement is blocked, rather than waiting a while to see that it does not finish.
    /// </summary>
    public async Task<long> SessionsWaitingForLocksAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        return (long)(await query.ExecuteScalarAsync())!;
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
        if (db.Database.GetMigrations().Any())
        {
            await db.Database.MigrateAsync();
        }
        else
        {
            await db.Database.EnsureCreatedAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await MigrationHistory.DropDatabaseAsync(Name);
    }
}
