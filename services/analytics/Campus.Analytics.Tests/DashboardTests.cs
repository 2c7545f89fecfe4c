using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;

namespace Campus.Analytics.Tests;

/// <summary>
/// The dashboard on a small known data set written straight into the fact tables of the test database: the figures,
/// department scoping for admins and managers, who may not see it, and the validation of the period.
/// </summary>
public sealed class DashboardTests(AnalyticsFactory factory) : IClassFixture<AnalyticsFactory>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Period of the figures: the UTC days 2026-03-01 .. 2026-03-10, i.e. [03-01T00:00Z, 03-11T00:00Z).
    private const string Period = "from=2026-03-01&to=2026-03-10";

    private static readonly Guid SalesA = Id(0xA1), SalesB = Id(0xA2), OpsA = Id(0xB1);
    private static readonly Guid SalesManager = Id(0xC1), ManagerWithoutDepartment = Id(0xC2), UnknownManager = Id(0xC3);
    private static readonly Guid SalesAuthor = Id(0xD1), OpsAuthor = Id(0xD2);
    private static readonly Guid CourseOne = Id(0xE1), CourseTwo = Id(0xE2);

    public async ValueTask InitializeAsync()
    {
        // Idempotent: every test of the class runs it, the rows go in once.
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        var now = DateTimeOffset.UtcNow;
        await using var batch = new NpgsqlBatch(connection);
        void Add(string sql, params object?[] values)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }
            batch.BatchCommands.Add(command);
        }
        const string User = "INSERT INTO users (user_id, department, roles, status) VALUES ($1, $2, $3, 'active') ON CONFLICT DO NOTHING";
        Add(User, SalesA, "Sales", new[] { "student" });
        Add(User, SalesB, "Sales", new[] { "student" });
        Add(User, OpsA, "Ops", new[] { "student" });
        Add(User, SalesManager, "Sales", new[] { "manager" });
        Add(User, ManagerWithoutDepartment, null, new[] { "manager" });
        Add(User, SalesAuthor, "Sales", new[] { "author" });
        Add(User, OpsAuthor, "Ops", new[] { "author" });
        const string Course = "INSERT INTO courses (course_id, title, author_id, state, version) VALUES ($1, $2, $3, 'published', $4) ON CONFLICT DO NOTHING";
        Add(Course, CourseOne, "Course one", SalesAuthor, At("2026-01-01T00:00:00Z"));
        Add(Course, CourseTwo, "Course two", OpsAuthor, At("2026-01-01T00:00:00Z"));
        const string Enrolment =
            """
            INSERT INTO enrolments (course_id, user_id, source, enrolled_at, due_at, done_materials, total_materials, completed_at, version)
            VALUES ($1, $2, 'assigned', $3, $4, 0, 4, $5, $3) ON CONFLICT DO NOTHING
            """;
        Add(Enrolment, CourseOne, SalesA, At("2026-03-02T10:00:00Z"), null, At("2026-03-04T10:00:00Z"));   // 48 h
        Add(Enrolment, CourseTwo, SalesA, At("2026-03-03T00:00:00Z"), now.AddDays(-1), null);               // overdue now
        Add(Enrolment, CourseOne, SalesB, At("2026-03-05T12:00:00Z"), null, At("2026-03-05T18:00:00Z"));   // 6 h
        Add(Enrolment, CourseTwo, SalesB, At("2026-03-11T00:00:00Z"), null, At("2026-03-11T05:00:00Z"));   // after the period
        Add(Enrolment, CourseOne, OpsA, At("2026-02-20T00:00:00Z"), null, At("2026-03-06T00:00:00Z"));     // 336 h, enrolled before
        Add(Enrolment, CourseTwo, OpsA, At("2026-03-09T00:00:00Z"), now.AddDays(10), null);                 // due later
        const string Activity =
            "INSERT INTO activity_daily (user_id, day, sign_ins, materials_done, messages) VALUES ($1, $2, 1, 0, $3) ON CONFLICT DO NOTHING";
        Add(Activity, SalesA, new DateOnly(2026, 3, 10), 3);
        Add(Activity, SalesA, new DateOnly(2026, 3, 2), 2);
        Add(Activity, SalesA, new DateOnly(2026, 2, 15), 7);   // in the 30 days up to 03-10, not in the period
        Add(Activity, SalesB, new DateOnly(2026, 3, 2), 0);
        Add(Activity, OpsA, new DateOnly(2026, 3, 8), 5);
        Add(Activity, OpsA, new DateOnly(2026, 1, 1), 9);      // outside everything
        const string Media = "INSERT INTO media (media_id, owner_id, filename, state, version) VALUES ($1, $2, 'v.mp4', $3, $4) ON CONFLICT DO NOTHING";
        Add(Media, Id(0xF1), SalesAuthor, "ready", At("2026-03-03T00:00:00Z"));
        Add(Media, Id(0xF2), SalesAuthor, "failed", At("2026-03-04T00:00:00Z"));
        Add(Media, Id(0xF3), SalesAuthor, "processing", At("2026-03-04T00:00:00Z"));
        Add(Media, Id(0xF4), OpsAuthor, "ready", At("2026-02-01T00:00:00Z"));
        const string Delivery =
            "INSERT INTO notification_deliveries (notification_id, user_id, type, channel, state, attempts, occurred_at) VALUES ($1, $2, 'overdue', $3, $4, 1, $5) ON CONFLICT DO NOTHING";
        Add(Delivery, Id(0x101), SalesA, "email", "sent", At("2026-03-02T08:00:00Z"));
        Add(Delivery, Id(0x102), SalesA, "email", "failed", At("2026-03-03T08:00:00Z"));
        Add(Delivery, Id(0x103), OpsA, "telegram", "sent", At("2026-03-04T08:00:00Z"));
        Add(Delivery, Id(0x104), OpsA, "email", "sent", At("2026-02-01T08:00:00Z"));
        await batch.ExecuteNonQueryAsync(Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Admin_sees_the_figures_of_everyone()
    {
        using var admin = Admin();
        var body = await GetAsync(admin, $"/api/analytics/dashboard?{Period}");

        Assert.Equal(At("2026-03-01T00:00:00Z"), body.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(At("2026-03-11T00:00:00Z"), body.GetProperty("to").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("department").ValueKind);
        Assert.Equal(2, body.GetProperty("active_learners").GetProperty("last_7_days").GetInt64());   // A1 (03-10), B1 (03-08)
        Assert.Equal(3, body.GetProperty("active_learners").GetProperty("last_30_days").GetInt64());
        Assert.Equal(4, body.GetProperty("enrolments").GetInt64());
        Assert.Equal(3, body.GetProperty("completions").GetInt64());
        Assert.Equal(0.5, body.GetProperty("completion_rate").GetDouble());                         // 2 of the 4 enrolled
        Assert.Equal(1, body.GetProperty("overdue_assignments").GetInt64());
        Assert.Equal(130, body.GetProperty("average_hours_to_complete").GetDouble());               // (48 + 6 + 336) / 3
        var top = Assert.Single(body.GetProperty("top_courses").EnumerateArray());
        Assert.Equal(CourseOne, top.GetProperty("course_id").GetGuid());
        Assert.Equal("Course one", top.GetProperty("title").GetString());
        Assert.Equal(3, top.GetProperty("completions").GetInt64());
        AssertMedia(body, processing: 1, ready: 1, failed: 1);
        Assert.Equal(["email 1/1", "telegram 1/0"], Channels(body));
        Assert.Equal(10, body.GetProperty("chat").GetProperty("messages").GetInt64());
        Assert.Equal(2, body.GetProperty("chat").GetProperty("active_chatters").GetInt64());

        var daily = body.GetProperty("daily").EnumerateArray().ToArray();
        Assert.Equal(10, daily.Length);
        Assert.Equal("2026-03-01", daily[0].GetProperty("day").GetString());
        Assert.Equal("2026-03-10", daily[^1].GetProperty("day").GetString());
        Assert.Equal(
            ["03-02 e1 c0 a2 m2", "03-03 e1 c0 a0 m0", "03-04 e0 c1 a0 m0", "03-05 e1 c1 a0 m0", "03-06 e0 c1 a0 m0",
             "03-08 e0 c0 a1 m5", "03-09 e1 c0 a0 m0", "03-10 e0 c0 a1 m3"],
            Days(daily));
    }

    [Fact]
    public async Task Admin_sees_one_department()
    {
        using var admin = Admin();
        var body = await GetAsync(admin, $"/api/analytics/dashboard?{Period}&department=Sales");

        AssertSales(body);
    }

    [Fact]
    public async Task Manager_sees_their_own_department()
    {
        using var manager = Client(SalesManager, "student manager");

        AssertSales(await GetAsync(manager, $"/api/analytics/dashboard?{Period}"));
        AssertSales(await GetAsync(manager, $"/api/analytics/dashboard?{Period}&department=Sales"));
    }

    [Fact]
    public async Task Manager_asking_for_another_department_is_refused()
    {
        using var manager = Client(SalesManager, "manager");

        await ExpectProblemAsync(manager, $"/api/analytics/dashboard?{Period}&department=Ops", HttpStatusCode.Forbidden, "outside_department");
    }

    [Fact]
    public async Task Manager_without_a_department_is_refused()
    {
        using var noDepartment = Client(ManagerWithoutDepartment, "manager");
        using var unknown = Client(UnknownManager, "manager");

        await ExpectProblemAsync(noDepartment, "/api/analytics/dashboard", HttpStatusCode.Forbidden, "no_department");
        await ExpectProblemAsync(unknown, "/api/analytics/dashboard", HttpStatusCode.Forbidden, "no_department");
    }

    [Theory]
    [InlineData("student")]
    [InlineData("author")]
    [InlineData("student author moderator")]
    public async Task Neither_manager_nor_admin_is_refused(string roles)
    {
        using var client = Client(SalesA, roles);

        await ExpectProblemAsync(client, "/api/analytics/dashboard", HttpStatusCode.Forbidden, "dashboard_forbidden");
        await ExpectProblemAsync(client, "/api/analytics/dashboard?department=Sales", HttpStatusCode.Forbidden, "dashboard_forbidden");
        await ExpectProblemAsync(client, "/api/analytics/dashboard?from=nonsense", HttpStatusCode.Forbidden, "dashboard_forbidden");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        using var client = factory.CreateClient();

        await ExpectProblemAsync(client, "/api/analytics/dashboard", HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01", "to")]
    [InlineData("from=2026-03-01&to=2026-13-01", "to")]
    [InlineData("from=2026-03-01T10:00:00", "from")]   // an instant without its offset
    [InlineData("from=0001-01-01&to=2026-03-01", "from")]
    public async Task An_unreadable_date_is_a_field_error_on_its_bound(string query, string field)
    {
        using var admin = Admin();
        using var response = await admin.GetAsync($"/api/analytics/dashboard?{query}", Ct);
        await AssertFieldErrorAsync(response, "invalid_date", field);
    }

    [Fact]
    public async Task A_date_past_its_contract_bound_is_a_field_error_unread()
    {
        using var admin = Admin();
        using var response = await admin.GetAsync($"/api/analytics/dashboard?to={Uri.EscapeDataString("2026-03-01" + new string(' ', 55))}", Ct);
        await AssertFieldErrorAsync(response, "invalid_date", "to");
    }

    [Fact]
    public async Task Two_unreadable_dates_are_both_named()
    {
        using var admin = Admin();
        using var response = await admin.GetAsync("/api/analytics/dashboard?from=yesterday&to=2026-13-01", Ct);

        var problem = await AssertFieldErrorAsync(response, "invalid_date", "from");
        Assert.True(problem.GetProperty("errors").TryGetProperty("to", out _), problem.ToString());
    }

    [Theory]
    [InlineData("from=2026-03-10&to=2026-03-01", HttpStatusCode.UnprocessableEntity, "invalid_period")]
    [InlineData("from=2025-01-01&to=2026-03-01", HttpStatusCode.UnprocessableEntity, "period_too_long")]
    public async Task An_unreadable_or_impossible_period_is_refused(string query, HttpStatusCode status, string code)
    {
        using var admin = Admin();
        await ExpectProblemAsync(admin, $"/api/analytics/dashboard?{query}", status, code);
    }

    [Fact]
    public async Task A_department_name_too_long_is_refused()
    {
        using var admin = Admin();
        using var response = await admin.GetAsync($"/api/analytics/dashboard?department={new string('d', 201)}", Ct);
        await AssertFieldErrorAsync(response, "invalid_department", "department");
    }

    [Fact]
    public async Task Instants_with_their_offset_bound_the_period()
    {
        // 03-05T00:00+03:00 is 03-04T21:00Z: the completions at 03-05T18:00Z and 03-06T00:00Z are in, the 03-04 one is out.
        using var admin = Admin();
        var body = await GetAsync(admin, "/api/analytics/dashboard?from=2026-03-05T00:00:00%2B03:00&to=2026-03-06T01:00:00Z");

        Assert.Equal(At("2026-03-04T21:00:00Z"), body.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(2, body.GetProperty("completions").GetInt64());
        Assert.Equal(1, body.GetProperty("enrolments").GetInt64());
        Assert.Equal(["2026-03-04", "2026-03-05", "2026-03-06"], body.GetProperty("daily").EnumerateArray().Select(d => d.GetProperty("day").GetString()!));
    }

    [Fact]
    public async Task Without_a_period_it_is_the_last_30_days()
    {
        var before = DateTimeOffset.UtcNow;
        using var admin = Admin();
        var body = await GetAsync(admin, "/api/analytics/dashboard");

        var to = body.GetProperty("to").GetDateTimeOffset();
        Assert.InRange(to, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(to.AddDays(-30), body.GetProperty("from").GetDateTimeOffset());
        Assert.InRange(body.GetProperty("daily").GetArrayLength(), 30, 31);
        Assert.Equal(1, body.GetProperty("overdue_assignments").GetInt64());   // now, whatever the period
        Assert.Equal(JsonValueKind.Null, body.GetProperty("completion_rate").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("average_hours_to_complete").ValueKind);
    }

    [Fact]
    public async Task Figures_are_answered_again_for_the_cache_duration()
    {
        using var admin = Admin();
        const string Path = "/api/analytics/dashboard?from=2026-04-01&to=2026-04-01&department=Cached";
        var first = await GetAsync(admin, Path);
        Assert.Equal(0, first.GetProperty("enrolments").GetInt64());

        await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO users (user_id, department, roles, status) VALUES ('00000000-0000-4000-8000-0000000000ca', 'Cached', '{student}', 'active');
                INSERT INTO enrolments (course_id, user_id, source, enrolled_at, done_materials, total_materials, version)
                VALUES ('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000ca', 'self', '2026-04-01T12:00:00Z', 0, 4, '2026-04-01T12:00:00Z');
                """, connection);
            await command.ExecuteNonQueryAsync(Ct);
        }

        // The same request within the cache duration: the same figures, computed at the same time.
        var again = await GetAsync(admin, Path);
        Assert.Equal(0, again.GetProperty("enrolments").GetInt64());
        Assert.Equal(first.GetProperty("generated_at").GetDateTimeOffset(), again.GetProperty("generated_at").GetDateTimeOffset());
        // Another spelling of the period is another request: computed now.
        var fresh = await GetAsync(admin, "/api/analytics/dashboard?from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z&department=Cached");
        Assert.Equal(1, fresh.GetProperty("enrolments").GetInt64());
    }

    private static void AssertSales(JsonElement body)
    {
        Assert.Equal("Sales", body.GetProperty("department").GetString());
        Assert.Equal(1, body.GetProperty("active_learners").GetProperty("last_7_days").GetInt64());    // A1
        Assert.Equal(2, body.GetProperty("active_learners").GetProperty("last_30_days").GetInt64());   // A1, A2
        Assert.Equal(3, body.GetProperty("enrolments").GetInt64());
        Assert.Equal(2, body.GetProperty("completions").GetInt64());
        Assert.Equal(0.6667, body.GetProperty("completion_rate").GetDouble());
        Assert.Equal(1, body.GetProperty("overdue_assignments").GetInt64());
        Assert.Equal(27, body.GetProperty("average_hours_to_complete").GetDouble());                 // (48 + 6) / 2
        var top = Assert.Single(body.GetProperty("top_courses").EnumerateArray());
        Assert.Equal(2, top.GetProperty("completions").GetInt64());
        AssertMedia(body, processing: 1, ready: 1, failed: 1);                                        // owned by the Sales author
        Assert.Equal(["email 1/1"], Channels(body));
        Assert.Equal(5, body.GetProperty("chat").GetProperty("messages").GetInt64());
        Assert.Equal(1, body.GetProperty("chat").GetProperty("active_chatters").GetInt64());
        Assert.Equal(
            ["03-02 e1 c0 a2 m2", "03-03 e1 c0 a0 m0", "03-04 e0 c1 a0 m0", "03-05 e1 c1 a0 m0", "03-10 e0 c0 a1 m3"],
            Days(body.GetProperty("daily").EnumerateArray().ToArray()));
    }

    private static void AssertMedia(JsonElement body, long processing, long ready, long failed)
    {
        var media = body.GetProperty("media");
        Assert.Equal((processing, ready, failed),
            (media.GetProperty("processing").GetInt64(), media.GetProperty("ready").GetInt64(), media.GetProperty("failed").GetInt64()));
    }

    private static IEnumerable<string> Channels(JsonElement body) => body.GetProperty("notifications").EnumerateArray()
        .Select(c => $"{c.GetProperty("channel").GetString()} {c.GetProperty("sent").GetInt64()}/{c.GetProperty("failed").GetInt64()}");

    /// <summary>The days with anything in them, as "MM-dd e{enrolments} c{completions} a{active} m{messages}".</summary>
    private static IEnumerable<string> Days(JsonElement[] daily) => daily
        .Where(d => d.GetProperty("enrolments").GetInt64() + d.GetProperty("completions").GetInt64()
            + d.GetProperty("active_learners").GetInt64() + d.GetProperty("messages").GetInt64() > 0)
        .Select(d => $"{d.GetProperty("day").GetString()![5..]} e{d.GetProperty("enrolments").GetInt64()} c{d.GetProperty("completions").GetInt64()} a{d.GetProperty("active_learners").GetInt64()} m{d.GetProperty("messages").GetInt64()}");

    private HttpClient Admin() => Client(Guid.NewGuid(), "student admin");

    private HttpClient Client(Guid userId, string roles)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Jwt.CreateToken(userId, roles));
        return client;
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task ExpectProblemAsync(HttpClient client, string path, HttpStatusCode status, string code)
    {
        using var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"GET {path} answered {(int)response.StatusCode}, not {(int)status}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    private static Guid Id(int n) => Guid.Parse($"00000000-0000-4000-8000-{n:x12}");
}
