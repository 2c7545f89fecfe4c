using Campus.Chat.Data;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Chat.Messages;

/// <summary>
/// On <c>analytics.rebuild.requested</c>: re-publishes the messages per author and UTC day as <c>chat.activity.snapshot</c>
/// through the outbox, in batches keyed by (author, day).
/// </summary>
public sealed class PublishChatActivitySnapshots(ChatDbContext db, TimeProvider time) : IIntegrationEventHandler<RebuildRequested>
{
    public const string Queue = "chat.analytics-rebuild";

    public async Task HandleAsync(RebuildRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.PublishSnapshotAsync<ChatActivitySnapshot, (Guid UserId, DateOnly Day)>(
            (after, size, ct) => PageAsync(after, size, now, ct),
            s => (s.UserId, s.Day), s => [s], cancellationToken);
    }

    private async Task<List<ChatActivitySnapshot>> PageAsync((Guid UserId, DateOnly Day) after, int size, DateTimeOffset now, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }
        await using var query = new NpgsqlCommand("""
            SELECT author_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int
            FROM messages
            WHERE (author_id, (created_at AT TIME ZONE 'UTC')::date) > (@user, @day)
            GROUP BY 1, 2 ORDER BY 1, 2 LIMIT @size
            """, connection);
        query.Parameters.AddWithValue("user", after.UserId);
        query.Parameters.AddWithValue("day", after.Day == default ? DateOnly.MinValue : after.Day);
        query.Parameters.AddWithValue("size", size);
        await using var reader = await query.ExecuteReaderAsync(ct);
        var rows = new List<ChatActivitySnapshot>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ChatActivitySnapshot(reader.GetGuid(0), reader.GetFieldValue<DateOnly>(1), reader.GetInt32(2)) { OccurredAt = now });
        }
        return rows;
    }
}
