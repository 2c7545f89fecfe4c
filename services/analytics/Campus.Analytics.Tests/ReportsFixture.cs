extern alias worker;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Analytics.Data;
using Campus.Testing;
using Npgsql;

namespace Campus.Analytics.Tests;

/// <summary>The analytics service on its fresh database, its queues and buckets, with short report timings.</summary>
public sealed class ReportsServiceFactory : CampusHostFactory<Program, AnalyticsDbContext>
{
    /// <summary>What the worker beside it must share: database, broker isolation, buckets, report settings.</summary>
    public IDictionary<string, string?> SharedSettings => Settings;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Messaging:MaxAttempts"] = "3";
            settings["Messaging:RetryBaseDelay"] = "00:00:00.200";
            settings["Messaging:RetryMaxDelay"] = "00:00:01";
            settings["Reports:HeartbeatInterval"] = "00:00:00.200";
            settings["Reports:LeaseDuration"] = "00:00:05";
            // Sweeps run when a test calls them (the first one at start excepted).
            settings["Reports:SweepInterval"] = "01:00:00";
            // Likewise schedules fire when a test calls the firing job.
            settings["Schedules:PollInterval"] = "01:00:00";
            settings["Reports:PdfMaxRows"] = "50";
            settings["Reports:XlsxRowsPerSheet"] = "10";
            return settings;
        }
    }
}

/// <summary>The report worker on the same database, broker isolation and buckets as <see cref="ReportsServiceFactory"/>.</summary>
public sealed class ReportsWorkerFactory(ReportsServiceFactory service) : CampusHostFactory<worker::Program>
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(service.SharedSettings);
}

/// <summary>Service + worker + helpers to seed facts and call the API as a user.</summary>
public sealed class ReportsFixture : IAsyncLifetime
{
    public ReportsServiceFactory Service { get; } = new();

    public ReportsWorkerFactory Worker { get; private set; } = null!;

    public string ConnectionString => Service.Database.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        await Service.InitializeAsync();
        await Service.WaitUntilReadyAsync();
        Worker = new ReportsWorkerFactory(Service);
        await Worker.InitializeAsync();
        await Worker.WaitUntilReadyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Worker is not null)
        {
            await Worker.DisposeAsync();
        }
        await Service.DisposeAsync();
    }

    public HttpClient ClientFor(Guid userId, string roles, string? acceptLanguage = null)
    {
        var client = Service.ClientFor(userId, roles);
        if (acceptLanguage is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
        }
        return client;
    }

    public async Task ExecuteAsync(string sql, params object?[] values)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object?[] values)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public Task AddUserAsync(Guid id, string? name, string? email, string? department, string role = "student", string? timeZone = "Europe/Moscow") =>
        ExecuteAsync("INSERT INTO users (user_id, display_name, email, department, time_zone, roles, status) VALUES ($1, $2, $3, $4, $5, $6, 'active')",
            id, name, email, department, timeZone, new[] { role });

    public Task AddCourseAsync(Guid id, string title, string state = "published") =>
        ExecuteAsync("INSERT INTO courses (course_id, title, state, created_at, version) VALUES ($1, $2, $3, now(), now())", id, title, state);

    public Task AddEnrolmentAsync(Guid course, Guid user, DateTimeOffset enrolledAt, int done, int total, DateTimeOffset? dueAt = null,
        DateTimeOffset? completedAt = null) =>
        ExecuteAsync("""
            INSERT INTO enrolments (course_id, user_id, source, enrolled_at, due_at, done_materials, total_materials, completed_at, version)
            VALUES ($1, $2, 'assigned', $3, $4, $5, $6, $7, now())
            """, course, user, enrolledAt, dueAt, done, total, completedAt);

    /// <summary>POSTs a report request; answers the response and its body.</summary>
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> RequestAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/analytics/reports", body, TestContext.Current.CancellationToken);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return (response, json);
    }

    /// <summary>Polls the request until its state is <paramref name="state"/> (fails on another final state).</summary>
    public static async Task<JsonElement> WaitForStateAsync(HttpClient client, Guid id, string state, int seconds = 30)
    {
        JsonElement last = default;
        await Wait.UntilAsync(async () =>
        {
            last = await client.GetFromJsonAsync<JsonElement>($"/api/analytics/reports/{id}", TestContext.Current.CancellationToken);
            var now = last.GetProperty("state").GetString();
            Assert.False(now != state && now is "failed" or "canceled" or "expired",
                $"The request ended {now} instead of {state}: {last.GetProperty("error")}");
            return now == state;
        }, seconds);
        return last;
    }
}
