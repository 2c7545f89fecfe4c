using Campus.Messaging.Outbox;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Messaging.Tests;

/// <summary>A service-like DbContext: one business table and the outbox.</summary>
public sealed class TestDbContext(DbContextOptions<TestDbContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.Entity<Order>().ToTable("orders");
    }
}

public sealed class Order
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public int Number { get; set; }
}

/// <summary>
/// A fresh database per test class, schema from the test model (<c>EnsureCreated</c>: the library has no migrations of
/// its own; services create the table through theirs), dropped at the end.
/// </summary>
public sealed class OutboxTestDatabase : IAsyncLifetime
{
    public string Name { get; } = TestInfrastructure.UniqueName("campus_test_");

    public string ConnectionString => TestInfrastructure.PostgresConnectionString(Name);

    public void Configure(DbContextOptionsBuilder options) => options.UseNpgsql(ConnectionString).UseSnakeCaseNamingConvention();

    /// <summary>A context outside any host (no relay wake-up): for arranging and asserting rows.</summary>
    public TestDbContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<TestDbContext>();
        Configure(options);
        return new TestDbContext(options.Options);
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
        await db.Database.EnsureCreatedAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await using var admin = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
