using Microsoft.EntityFrameworkCore;

namespace Campus.Messaging.Outbox;

/// <summary>Maps <see cref="OutboxMessage"/> into a service's DbContext.</summary>
public static class OutboxModel
{
    public const string TableName = "outbox_messages";

    /// <summary>
    /// Adds the <c>outbox_messages</c> table. Call it from <c>OnModelCreating</c>; the service's next migration
    /// then creates the table. Column names are explicit so the SQL of the relay does not depend on naming conventions.
    /// </summary>
    public static ModelBuilder AddOutbox(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable(TableName);
            outbox.HasKey(m => m.Id).HasName("pk_outbox_messages");
            outbox.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
            outbox.Property(m => m.Type).HasColumnName("type").HasMaxLength(255);
            outbox.Property(m => m.RoutingKey).HasColumnName("routing_key").HasMaxLength(255);
            outbox.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            outbox.Property(m => m.Headers).HasColumnName("headers").HasColumnType("jsonb");
            outbox.Property(m => m.CreatedAt).HasColumnName("created_at");
            outbox.Property(m => m.PublishedAt).HasColumnName("published_at");
            outbox.Property(m => m.Attempts).HasColumnName("attempts");
            outbox.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(2000);

            // The relay's claim query reads only pending rows in created order; a partial index keeps it small.
            outbox.HasIndex(m => m.CreatedAt).HasDatabaseName("ix_outbox_messages_pending").HasFilter("published_at IS NULL");
            // Retention cleanup deletes published rows by age.
            outbox.HasIndex(m => m.PublishedAt).HasDatabaseName("ix_outbox_messages_published_at").HasFilter("published_at IS NOT NULL");
        });
        return modelBuilder;
    }
}
