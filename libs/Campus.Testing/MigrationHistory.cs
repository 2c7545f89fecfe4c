using Npgsql;

namespace Campus.Testing;

/// <summary>What the <c>migrate</c> command left in a database of the local PostgreSQL, and its removal after a test.</summary>
public static class MigrationHistory
{
    /// <summary>The ids in <c>__EFMigrationsHistory</c> of <paramref name="database"/>, in order.</summary>
    public static async Task<List<string>> AppliedAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString(database));
        await connection.OpenAsync(cancellationToken);
        await using var query = new NpgsqlCommand("SELECT migration_id FROM \"__EFMigrationsHistory\" ORDER BY migration_id", connection);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>Drops <paramref name="database"/> (its open connections included), if it exists.</summary>
    public static async Task DropDatabaseAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
