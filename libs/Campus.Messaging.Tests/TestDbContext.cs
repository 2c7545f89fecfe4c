using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

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
