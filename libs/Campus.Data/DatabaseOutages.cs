using Campus.ServiceDefaults;
using Npgsql;

namespace Campus.Data;

/// <summary>The database's outage, registered by <c>AddCampusPostgres</c>.</summary>
public static class DatabaseOutages
{
    /// <summary>PostgreSQL refused or dropped the connection, is starting or shutting down, or is out of connections.</summary>
    public static readonly DependencyOutage Database = new("database_unavailable", "The database is unavailable.", exception => exception switch
    {
        // Only SQL states that say "the server cannot serve now"; a constraint violation or a syntax error stays a 500.
        PostgresException postgres => IsUnavailableState(postgres.SqlState),
        // Connection refused or reset, pool exhausted, command timeout: raised by Npgsql itself, not by the server.
        NpgsqlException => true,
        _ => false,
    });

    // 08: connection exception; 53: insufficient resources (too many connections, disk full); 57P01-57P03: admin or
    // crash shutdown, cannot connect now (starting up); 58: system error (I/O).
    private static bool IsUnavailableState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState is "57P01" or "57P02" or "57P03"
        || sqlState.StartsWith("58", StringComparison.Ordinal);
}
