using Campus.Testing;
using Npgsql;

namespace Campus.E2E.Tests;

/// <summary>
/// Every service's outbox, as its migrations left it: PostgreSQL keeps statistics only of the columns the relay and the
/// clean-up filter and sort on, so autovacuum's repeated <c>ANALYZE</c> of the table stays cheap.
/// </summary>
public sealed class OutboxStatisticsTests
{
    public static TheoryData<string> Databases => new("campus_auth", "campus_profile", "campus_content", "campus_notifications",
        "campus_chat", "campus_analytics");

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task The_outbox_keeps_statistics_only_of_created_at_and_published_at(string database)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString(database));
        await connection.OpenAsync(ct);
        // attstattarget: 0 = no statistics; -1 (PostgreSQL 15/16) or NULL (17+) = the default target.
        await using var query = new NpgsqlCommand(
            """
            SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_attribute
            WHERE attrelid = 'outbox_messages'::regclass AND attnum > 0 AND NOT attisdropped AND coalesce(attstattarget, -1) <> 0
            """, connection);
        var withStatistics = (string?)await query.ExecuteScalarAsync(ct);

        Assert.Equal("created_at,published_at", withStatistics);
    }
}
