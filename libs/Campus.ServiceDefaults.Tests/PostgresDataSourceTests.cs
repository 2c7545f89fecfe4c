using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Campus.ServiceDefaults.Tests;

/// <summary>The data source every host gets from <c>AddCampusPostgres</c>, against the real PostgreSQL.</summary>
public sealed class PostgresDataSourceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pooled_connection_comes_back_without_a_reset_and_prepares_what_it_runs_often()
    {
        // One connection in the pool: the second open gets the same session.
        await using var app = await StartAsync(TestInfrastructure.PostgresConnectionString("postgres") + ";Maximum Pool Size=1");
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();

        var first = await SessionAsync(dataSource, "SET application_name = 'left-behind'");
        var second = await SessionAsync(dataSource, null);

        Assert.Equal(first.Pid, second.Pid);
        // No reset ran in between (it would have run RESET ALL), so the session's setting is still there.
        Assert.Equal("left-behind", second.ApplicationName);
        Assert.True(second.Prepared > 0, "a statement run six times is prepared on the connection");
    }

    [Fact]
    public async Task A_connection_string_that_asks_for_the_reset_and_no_prepared_statements_gets_them()
    {
        await using var app = await StartAsync(
            TestInfrastructure.PostgresConnectionString("postgres") + ";Maximum Pool Size=1;No Reset On Close=false;Max Auto Prepare=0");
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();

        var first = await SessionAsync(dataSource, "SET application_name = 'left-behind'");
        var second = await SessionAsync(dataSource, null);

        Assert.Equal(first.Pid, second.Pid);
        Assert.NotEqual("left-behind", second.ApplicationName);
        Assert.Equal(0, second.Prepared);
    }

    private static Task<TestApp> StartAsync(string connectionString) => TestApp.StartAsync(
        settings: new Dictionary<string, string?> { ["ConnectionStrings:Database"] = connectionString },
        configure: builder => builder.AddCampusPostgres());

    /// <summary>Runs <paramref name="statement"/> and a query six times on one pooled connection; what the session says.</summary>
    private static async Task<(int Pid, string ApplicationName, long Prepared)> SessionAsync(NpgsqlDataSource dataSource, string? statement)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        if (statement is not null)
        {
            await using var set = new NpgsqlCommand(statement, connection);
            await set.ExecuteNonQueryAsync(Ct);
        }
        for (var i = 0; i < 6; i++)
        {
            await using var often = new NpgsqlCommand("SELECT 1", connection);
            await often.ExecuteScalarAsync(Ct);
        }
        await using var read = new NpgsqlCommand(
            "SELECT pg_backend_pid(), current_setting('application_name'), (SELECT count(*) FROM pg_prepared_statements)", connection);
        await using var reader = await read.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return (reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2));
    }
}
