using System.Net;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Campus.ServiceDefaults.Tests;

/// <summary>A burst of requests queues in the host for its pooled connections instead of opening a PostgreSQL backend each.</summary>
public sealed class DatabasePoolTests
{
    private const int Burst = 40;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_burst_is_served_by_at_most_the_default_pool_of_connections()
    {
        var (statuses, backends) = await BurstAsync("");

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.InRange(backends, 1, DatabaseExtensions.MaxPoolSize);
    }

    [Fact]
    public async Task A_connection_string_that_names_its_pool_size_keeps_it()
    {
        var (statuses, backends) = await BurstAsync(";Maximum Pool Size=5");

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.InRange(backends, 1, 5);
    }

    /// <summary>
    /// <see cref="Burst"/> requests at once, each holding a connection for 200 ms; then how many backends the host
    /// opened (its pooled connections stay open, named by a fresh application name).
    /// </summary>
    private static async Task<(HttpStatusCode[] Statuses, long Backends)> BurstAsync(string poolSetting)
    {
        var application = $"pool-{Guid.NewGuid():N}";
        var connectionString = $"{TestInfrastructure.PostgresConnectionString("postgres")};Application Name={application}{poolSetting}";
        await using var app = await TestApp.StartAsync(
            new Dictionary<string, string?> { ["ConnectionStrings:Database"] = connectionString },
            builder => builder.AddCampusPostgres(),
            map: a => a.MapGet("/slow", async (NpgsqlDataSource db) => await db.CreateCommand("SELECT pg_sleep(0.2)").ExecuteNonQueryAsync()));

        var responses = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => app.Client.GetAsync("/slow", Ct)));

        await using var observer = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("postgres"));
        await observer.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = @name", observer);
        count.Parameters.AddWithValue("name", application);
        return (responses.Select(response => response.StatusCode).ToArray(), (long)(await count.ExecuteScalarAsync(Ct))!);
    }
}
