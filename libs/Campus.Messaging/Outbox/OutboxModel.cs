using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

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

    // The columns no query filters, joins or sorts on: the relay claims by published_at and created_at, the clean-up
    // deletes by published_at. Statistics of the others — above all the JSON payload and headers — made most of an
    // ANALYZE's work.
    private static readonly string[] ColumnsWithoutStatistics = ["id", "type", "routing_key", "payload", "headers", "attempts", "last_error"];

    /// <summary>
    /// For a migration: PostgreSQL keeps no statistics of the outbox columns that no query filters or sorts on. Every
    /// event inserts a row and its publication updates it, so the table is analysed again and again; with statistics of
    /// every column an <c>ANALYZE</c> of 35,000 rows cost about 0.5 s of CPU, a burst that stalled a 2-core machine's
    /// requests; without them about 0.07 s.
    /// </summary>
    public static void LimitOutboxStatistics(this MigrationBuilder migrationBuilder) =>
        SetStatistics(migrationBuilder, 0);

    /// <summary>The <c>Down</c> of <see cref="LimitOutboxStatistics"/>: PostgreSQL's default statistics target again.</summary>
    public static void RestoreOutboxStatistics(this MigrationBuilder migrationBuilder) =>
        SetStatistics(migrationBuilder, -1);

    private static void SetStatistics(MigrationBuilder migrationBuilder, int target)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql($"ALTER TABLE {TableName} "
            + string.Join(", ", ColumnsWithoutStatistics.Select(column => $"ALTER COLUMN {column} SET STATISTICS {target}")) + ";");
    }
}
