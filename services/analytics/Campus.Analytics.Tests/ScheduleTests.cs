extern alias worker;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Campus.Analytics.Data;
using Campus.Analytics.Reports;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ScheduleFirer = worker::Campus.Analytics.Worker.Reports.ScheduleFirer;

namespace Campus.Analytics.Tests;

/// <summary>
/// Report schedules on the real servers (service and report worker side by side, one PostgreSQL database, RabbitMQ, S3):
/// the API's rules, the firing job (two instances at once, a fake clock across DST changes, catch-up), pausing after
/// failures, and the recipients' notification and download. The worker's own firing loop polls hourly here, so firings
/// happen when a test calls <see cref="ScheduleFirer.FireDueAsync"/>.
/// </summary>
public sealed class ScheduleTests(ReportsFixture fixture) : IClassFixture<ReportsFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private sealed record Team(string Department, Guid Manager, Guid Colleague, Guid Bystander, Guid Outsider);

    private async Task<Team> SeedTeamAsync()
    {
        var department = "Отдел " + Guid.NewGuid().ToString("N")[..8];
        var team = new Team(department, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await fixture.AddUserAsync(team.Manager, "Мария Руководитель", "boss@campus.test", department, "manager");
        await fixture.AddUserAsync(team.Colleague, "Анна Коллега", "anna@campus.test", department);
        await fixture.AddUserAsync(team.Bystander, "Борис Сосед", "boris@campus.test", department);
        await fixture.AddUserAsync(team.Outsider, "Олег Склад", "oleg@campus.test", "Склад " + Guid.NewGuid().ToString("N")[..8]);
        return team;
    }

    internal static async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var message = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await client.SendAsync(message, Cancellation);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static object Schedule(string cron = "0 8 * * 1", string? zone = null, Guid[]? recipients = null, string type = "learner_progress",
        string? department = null) =>
        new { name = "Прогресс по понедельникам", type, format = "xlsx", @params = new { department }, cron, time_zone = zone, recipients };

    private async Task<Guid> CreateAsync(HttpClient client, object body)
    {
        var (response, created) = await SendAsync(client, HttpMethod.Post, "/api/analytics/schedules", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {created}");
        return created.GetProperty("id").GetGuid();
    }

    private static string? FirstError(JsonElement problem, string field) =>
        problem.GetProperty("errors").TryGetProperty(field, out var messages) ? messages[0].GetString() : null;

    private ScheduleFirer NewFirer(TimeProvider time) => new(
        fixture.Worker.Services.GetRequiredService<IServiceScopeFactory>(),
        fixture.Worker.Services.GetRequiredService<IOptions<SchedulesOptions>>(),
        time,
        NullLogger<ScheduleFirer>.Instance);

    /// <summary>Makes the schedule due at <paramref name="at"/> (as if its time had come).</summary>
    private Task DueAtAsync(Guid schedule, DateTimeOffset at) =>
        fixture.ExecuteAsync("UPDATE report_schedules SET next_run_at = $1 WHERE id = $2", at, schedule);

    private async Task<List<(Guid Id, DateTimeOffset Occurrence)>> RequestsOfAsync(Guid schedule)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT id, occurrence_at FROM report_requests WHERE schedule_id = $1 ORDER BY occurrence_at", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = schedule });
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var rows = new List<(Guid, DateTimeOffset)>();
        while (await reader.ReadAsync(Cancellation))
        {
            rows.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return rows;
    }

    [Fact]
    public async Task Managers_create_read_replace_pause_resume_and_delete_their_own_schedules()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");

        var (created, body) = await SendAsync(manager, HttpMethod.Post, "/api/analytics/schedules", Schedule(recipients: [team.Colleague, team.Colleague]));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/analytics/schedules/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(team.Manager, body.GetProperty("owner_id").GetGuid());
        Assert.Equal(team.Department, body.GetProperty("params").GetProperty("department").GetString());
        Assert.Equal("Europe/Moscow", body.GetProperty("time_zone").GetString());
        Assert.Equal([team.Colleague], body.GetProperty("recipients").EnumerateArray().Select(r => r.GetGuid()));
        Assert.False(body.GetProperty("paused").GetBoolean());
        // Monday 08:00 in Moscow is 05:00 UTC.
        var next = body.GetProperty("next_run_at").GetDateTimeOffset();
        Assert.Equal((DayOfWeek.Monday, 5, 0), (next.UtcDateTime.DayOfWeek, next.UtcDateTime.Hour, next.UtcDateTime.Minute));
        Assert.InRange(next, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(7));

        var list = await manager.GetFromJsonAsync<JsonElement>("/api/analytics/schedules", Cancellation);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);

        // Replace: a new expression and zone move the next run.
        var (replaced, after) = await SendAsync(manager, HttpMethod.Put, $"/api/analytics/schedules/{id}", Schedule("15 9 1 * *", "Asia/Yekaterinburg"));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("15 9 1 * *", after.GetProperty("cron").GetString());
        var monthly = after.GetProperty("next_run_at").GetDateTimeOffset();
        Assert.Equal((1, 4, 15), (TimeZoneInfo.ConvertTime(monthly, TimeZoneInfo.FindSystemTimeZoneById("Asia/Yekaterinburg")).Day, monthly.UtcDateTime.Hour, monthly.Minute));
        Assert.Empty(after.GetProperty("recipients").EnumerateArray());

        // Pause clears the next run; PUT with paused=false resumes it.
        var (paused, pausedBody) = await SendAsync(manager, HttpMethod.Post, $"/api/analytics/schedules/{id}/pause");
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.True(pausedBody.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, pausedBody.GetProperty("next_run_at").ValueKind);
        var resume = new { type = "learner_progress", format = "xlsx", cron = "15 9 1 * *", time_zone = "Asia/Yekaterinburg", paused = false };
        var (resumed, resumedBody) = await SendAsync(manager, HttpMethod.Put, $"/api/analytics/schedules/{id}", resume);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False(resumedBody.GetProperty("paused").GetBoolean());
        Assert.Equal(monthly, resumedBody.GetProperty("next_run_at").GetDateTimeOffset());

        var (deleted, _) = await SendAsync(manager, HttpMethod.Delete, $"/api/analytics/schedules/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var (gone, goneBody) = await SendAsync(manager, HttpMethod.Get, $"/api/analytics/schedules/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("schedule_not_found", goneBody.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Only_managers_and_admins_schedule_and_a_manager_touches_only_their_own()
    {
        var team = await SeedTeamAsync();
        var other = await SeedTeamAsync();
        var admin = Guid.NewGuid();
        await fixture.AddUserAsync(admin, "Админ", "admin@campus.test", null, "admin");
        using var manager = fixture.ClientFor(team.Manager, "manager");
        using var otherManager = fixture.ClientFor(other.Manager, "manager");
        using var student = fixture.ClientFor(team.Colleague, "student");
        using var administrator = fixture.ClientFor(admin, "admin");
        var id = await CreateAsync(manager, Schedule());

        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/analytics/schedules"), (HttpMethod.Get, "/api/analytics/schedules"),
                     (HttpMethod.Get, $"/api/analytics/schedules/{id}") })
        {
            var (response, problem) = await SendAsync(student, method, path, method == HttpMethod.Post ? Schedule() : null);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("schedules_forbidden", problem.GetProperty("code").GetString());
        }
        foreach (var (method, path) in new[] { (HttpMethod.Get, $"/api/analytics/schedules/{id}"), (HttpMethod.Put, $"/api/analytics/schedules/{id}"),
                     (HttpMethod.Post, $"/api/analytics/schedules/{id}/pause"), (HttpMethod.Delete, $"/api/analytics/schedules/{id}") })
        {
            var (response, problem) = await SendAsync(otherManager, method, path, method == HttpMethod.Put ? Schedule() : null);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("schedule_not_found", problem.GetProperty("code").GetString());
        }
        var otherList = await otherManager.GetFromJsonAsync<JsonElement>("/api/analytics/schedules", Cancellation);
        Assert.DoesNotContain(otherList.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);
        var (all, allProblem) = await SendAsync(manager, HttpMethod.Get, "/api/analytics/schedules?all=true");
        Assert.Equal((HttpStatusCode.Forbidden, "schedules_all_forbidden"), (all.StatusCode, allProblem.GetProperty("code").GetString()));

        // A manager's scope: their department, their colleagues.
        var (foreign, foreignProblem) = await SendAsync(manager, HttpMethod.Post, "/api/analytics/schedules", Schedule(department: other.Department));
        Assert.Equal((HttpStatusCode.Forbidden, "department_forbidden"), (foreign.StatusCode, foreignProblem.GetProperty("code").GetString()));
        var (outsider, outsiderProblem) = await SendAsync(manager, HttpMethod.Post, "/api/analytics/schedules", Schedule(recipients: [team.Outsider]));
        Assert.Equal((HttpStatusCode.Forbidden, "recipient_outside_department"), (outsider.StatusCode, outsiderProblem.GetProperty("code").GetString()));

        // Admins see everyone's, read, pause, resume and delete them, but only the owner replaces one.
        var everyone = await administrator.GetFromJsonAsync<JsonElement>("/api/analytics/schedules?all=true&limit=100", Cancellation);
        Assert.Contains(everyone.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(administrator, HttpMethod.Get, $"/api/analytics/schedules/{id}")).Response.StatusCode);
        var (replace, replaceProblem) = await SendAsync(administrator, HttpMethod.Put, $"/api/analytics/schedules/{id}", Schedule());
        Assert.Equal((HttpStatusCode.Forbidden, "schedule_not_owner"), (replace.StatusCode, replaceProblem.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(administrator, HttpMethod.Post, $"/api/analytics/schedules/{id}/pause")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(administrator, HttpMethod.Post, $"/api/analytics/schedules/{id}/resume")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(administrator, HttpMethod.Delete, $"/api/analytics/schedules/{id}")).Response.StatusCode);

        // An admin schedules any department and sends to anyone known.
        var (adminCreated, adminBody) = await SendAsync(administrator, HttpMethod.Post, "/api/analytics/schedules",
            Schedule(department: other.Department, recipients: [team.Outsider, team.Colleague]));
        Assert.Equal(HttpStatusCode.Created, adminCreated.StatusCode);
        Assert.Equal(other.Department, adminBody.GetProperty("params").GetProperty("department").GetString());
    }

    [Fact]
    public async Task Creating_stops_at_the_most_schedules_one_may_own()
    {
        var team = await SeedTeamAsync();
        var manager = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", team.Manager.ToString()), new Claim("role", "manager")], "test", "sub", "role"));
        await using var scope = fixture.Service.Services.CreateAsyncScope();
        var editing = new ScheduleEditing(scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>(),
            Options.Create(new SchedulesOptions { MaxPerUser = 1 }), TimeProvider.System);
        var body = new ScheduleRequest("learner_progress", "xlsx", "0 8 * * 1");

        var saved = Assert.IsType<ScheduleEditingResult.Saved>(await editing.CreateAsync(manager, body, "en", Cancellation));
        Assert.Equal((team.Manager, team.Department, "en"), (saved.Schedule.OwnerId, saved.Schedule.Params.Department, saved.Schedule.Locale));
        Assert.Equal(new ScheduleEditingResult.TooManySchedules(1), await editing.CreateAsync(manager, body, "en", Cancellation));
    }

    [Fact]
    public async Task A_bad_schedule_is_refused_with_a_code_per_field()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");

        async Task<JsonElement> RefusedAsync(object body)
        {
            var (response, problem) = await SendAsync(manager, HttpMethod.Post, "/api/analytics/schedules", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            return problem;
        }

        Assert.StartsWith("invalid_cron:", FirstError(await RefusedAsync(Schedule("61 * * * *")), "cron"), StringComparison.Ordinal);
        Assert.StartsWith("invalid_cron:", FirstError(await RefusedAsync(Schedule("0 0 8 * * 1")), "cron"), StringComparison.Ordinal);
        Assert.StartsWith("invalid_cron:", FirstError(await RefusedAsync(Schedule("")), "cron"), StringComparison.Ordinal);
        Assert.Equal("invalid_cron: the expression never occurs.", FirstError(await RefusedAsync(Schedule("0 0 30 2 *")), "cron"));
        Assert.StartsWith("unknown_time_zone:", FirstError(await RefusedAsync(Schedule(zone: "Mars/Olympus")), "time_zone"), StringComparison.Ordinal);
        Assert.StartsWith("unknown_recipient:", FirstError(await RefusedAsync(Schedule(recipients: [Guid.NewGuid()])), "recipients"), StringComparison.Ordinal);
        // The contract's bounds, counting what is sent: repeated recipients, a cron's and a zone's characters.
        Assert.StartsWith("too_many_recipients:", FirstError(await RefusedAsync(Schedule(recipients: [.. Enumerable.Repeat(team.Manager, 51)])),
            "recipients"), StringComparison.Ordinal);
        Assert.StartsWith("invalid_cron:", FirstError(await RefusedAsync(Schedule("0 8 * * 1" + new string(' ', 100))), "cron"), StringComparison.Ordinal);
        Assert.StartsWith("unknown_time_zone:", FirstError(await RefusedAsync(Schedule(zone: "Europe/Moscow" + new string(' ', 60))), "time_zone"),
            StringComparison.Ordinal);
        // The report part is the request's validation.
        var report = await RefusedAsync(new { type = "salaries", format = "docx", cron = "0 8 * * *", locale = "de" });
        Assert.StartsWith("unknown_type:", FirstError(report, "type"), StringComparison.Ordinal);
        Assert.StartsWith("unknown_format:", FirstError(report, "format"), StringComparison.Ordinal);
        Assert.StartsWith("invalid_locale:", FirstError(report, "locale"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_firing_jobs_at_once_make_exactly_one_request_per_occurrence()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        var occurrence = DateTimeOffset.UtcNow.AddMinutes(-1);
        var schedules = new List<Guid>();
        for (var i = 0; i < 30; i++)
        {
            var id = await CreateAsync(manager, Schedule(type: "activity"));
            await DueAtAsync(id, occurrence.AddSeconds(-i));
            schedules.Add(id);
        }
        var (first, second) = (NewFirer(TimeProvider.System), NewFirer(TimeProvider.System));

        // Both start together, each on its own connection, as two worker replicas would.
        using var start = new SemaphoreSlim(0, 2);
        var runs = new[] { first, second }.Select(firer => Task.Run(async () =>
        {
            await start.WaitAsync(Cancellation);
            return await firer.FireDueAsync(Cancellation);
        }, Cancellation)).ToArray();
        start.Release(2);
        var claimed = await Task.WhenAll(runs);

        Assert.True(claimed.Sum() >= schedules.Count, $"claimed {claimed[0]} + {claimed[1]}");
        foreach (var (id, i) in schedules.Select((id, i) => (id, i)))
        {
            var fired = Assert.Single(await RequestsOfAsync(id));
            Assert.Equal(occurrence.AddSeconds(-i).ToUnixTimeMilliseconds(), fired.Occurrence.ToUnixTimeMilliseconds());
        }
        // The occurrence is spent: both run again and fire nothing of these.
        await Task.WhenAll(first.FireDueAsync(Cancellation), second.FireDueAsync(Cancellation));
        foreach (var id in schedules)
        {
            Assert.Single(await RequestsOfAsync(id));
            var next = await fixture.ScalarAsync<DateTime>("SELECT next_run_at FROM report_schedules WHERE id = $1", id);
            Assert.True(next > DateTime.UtcNow, $"next run {next:O}");
        }
        // Each request has its work message in the outbox (written in the same transaction).
        var messages = await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM outbox_messages WHERE type = 'analytics.report.requested' AND payload::jsonb ->> 'request_id' IN (SELECT id::text FROM report_requests WHERE schedule_id = ANY($1))",
            schedules.ToArray());
        Assert.Equal(schedules.Count, messages);
    }

    [Fact]
    public async Task Occurrences_follow_the_zones_wall_clock_across_both_DST_changes()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        // 02:30 every day in Berlin: on 2027-03-28 that time does not exist (02:00 → 03:00), on 2027-10-31 it exists twice.
        var id = await CreateAsync(manager, Schedule("30 2 * * *", "Europe/Berlin", type: "activity"));
        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 3, 25, 12, 0, 0, TimeSpan.Zero));
        var firer = NewFirer(clock);

        async Task<List<DateTimeOffset>> RunDaysAsync(int days)
        {
            await DueAtAsync(id, ScheduleClock.Next("30 2 * * *", "Europe/Berlin", clock.GetUtcNow())!.Value);
            var fired = new List<DateTimeOffset>();
            for (var day = 0; day < days; day++)
            {
                var next = new DateTimeOffset(await fixture.ScalarAsync<DateTime>("SELECT next_run_at FROM report_schedules WHERE id = $1", id), TimeSpan.Zero);
                // Just before: nothing; 10 s after: fired.
                clock.SetUtcNow(next.AddSeconds(-1));
                Assert.Equal(0, await FireOwnAsync());
                clock.SetUtcNow(next.AddSeconds(10));
                // The worker finishing the day before's report may hold the schedule's row a moment (a ready report resets
                // the failure count), and SKIP LOCKED passes it by: fire until it is claimed. The requests are counted below.
                await Wait.UntilAsync(async () => await FireOwnAsync() > 0, because: () => $"the occurrence {next} was not fired");
                fired.Add(next);
            }
            return fired;
        }

        async Task<int> FireOwnAsync()
        {
            var before = (await RequestsOfAsync(id)).Count;
            await firer.FireDueAsync(Cancellation);
            return (await RequestsOfAsync(id)).Count - before;
        }

        var spring = await RunDaysAsync(4);
        Assert.Equal(
        [
            new DateTimeOffset(2027, 3, 26, 1, 30, 0, TimeSpan.Zero), // 02:30 CET (+01)
            new DateTimeOffset(2027, 3, 27, 1, 30, 0, TimeSpan.Zero),
            new DateTimeOffset(2027, 3, 28, 1, 0, 0, TimeSpan.Zero),  // 02:30 does not exist: once, at 03:00 CEST
            new DateTimeOffset(2027, 3, 29, 0, 30, 0, TimeSpan.Zero), // 02:30 CEST (+02)
        ], spring);

        clock.SetUtcNow(new DateTimeOffset(2027, 10, 29, 12, 0, 0, TimeSpan.Zero));
        var autumn = await RunDaysAsync(3);
        Assert.Equal(
        [
            new DateTimeOffset(2027, 10, 30, 0, 30, 0, TimeSpan.Zero), // 02:30 CEST
            new DateTimeOffset(2027, 10, 31, 0, 30, 0, TimeSpan.Zero), // 02:30 happens twice: once, the first (CEST)
            new DateTimeOffset(2027, 11, 1, 1, 30, 0, TimeSpan.Zero),  // 02:30 CET
        ], autumn);
        Assert.Equal([.. spring, .. autumn], (await RequestsOfAsync(id)).Select(r => r.Occurrence));
    }

    [Fact]
    public void An_hourly_expression_fires_in_both_hours_of_the_autumn_overlap()
    {
        var occurrences = new List<DateTimeOffset>();
        var at = new DateTimeOffset(2027, 10, 30, 23, 30, 0, TimeSpan.Zero);
        for (var i = 0; i < 4; i++)
        {
            at = ScheduleClock.Next("0 * * * *", "Europe/Berlin", at)!.Value;
            occurrences.Add(at);
        }
        // 02:00 CEST, 02:00 CET (the hour repeated), 03:00 CET: every hour of real time, none skipped or doubled.
        Assert.Equal([0, 1, 2, 3], occurrences.Select(o => (int)(o - new DateTimeOffset(2027, 10, 31, 0, 0, 0, TimeSpan.Zero)).TotalHours));
    }

    [Fact]
    public async Task Occurrences_missed_while_nothing_ran_fire_once_on_catch_up()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        var id = await CreateAsync(manager, Schedule("0 * * * *", "Europe/Moscow", type: "activity"));
        var missed = new DateTimeOffset(2027, 5, 3, 9, 0, 0, TimeSpan.Zero);
        await DueAtAsync(id, missed);
        // Everything was down for three days: 72 hourly occurrences passed.
        var clock = new FakeTimeProvider(missed.AddDays(3).AddMinutes(20));

        await NewFirer(clock).FireDueAsync(Cancellation);
        await NewFirer(clock).FireDueAsync(Cancellation);

        var fired = Assert.Single(await RequestsOfAsync(id));
        Assert.Equal(missed, fired.Occurrence);
        var next = await fixture.ScalarAsync<DateTime>("SELECT next_run_at FROM report_schedules WHERE id = $1", id);
        Assert.Equal(missed.AddDays(3).AddHours(1).UtcDateTime, next);
    }

    [Fact]
    public async Task Three_failures_in_a_row_pause_the_schedule_with_its_reason_and_a_success_resets_the_count()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        var id = await CreateAsync(manager, Schedule(type: "activity"));
        var firer = NewFirer(TimeProvider.System);
        // Whole seconds: PostgreSQL keeps microseconds, not .NET's ticks.
        var occurrence = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());

        async Task<JsonElement> FireAndFinishAsync(string state)
        {
            occurrence = occurrence.AddMinutes(1);
            await DueAtAsync(id, occurrence);
            await firer.FireDueAsync(Cancellation);
            var request = (await RequestsOfAsync(id)).Single(r => r.Occurrence == occurrence).Id;
            await Wait.UntilAsync(async () => await fixture.ScalarAsync<string>("SELECT state FROM report_requests WHERE id = $1", request) == state, 30);
            return await manager.GetFromJsonAsync<JsonElement>($"/api/analytics/schedules/{id}", Cancellation);
        }

        // A report type that no longer exists (say, retired after the schedule was made) fails every run for good.
        Task BreakAsync() => fixture.ExecuteAsync("UPDATE report_schedules SET type = 'retired_report' WHERE id = $1", id);
        Task RepairAsync() => fixture.ExecuteAsync("UPDATE report_schedules SET type = 'activity' WHERE id = $1", id);

        await BreakAsync();
        Assert.Equal(1, (await FireAndFinishAsync("failed")).GetProperty("consecutive_failures").GetInt32());
        Assert.Equal(2, (await FireAndFinishAsync("failed")).GetProperty("consecutive_failures").GetInt32());
        await RepairAsync();
        var healed = await FireAndFinishAsync("ready");
        Assert.Equal(0, healed.GetProperty("consecutive_failures").GetInt32());
        Assert.False(healed.GetProperty("paused").GetBoolean());

        await BreakAsync();
        Assert.Equal(1, (await FireAndFinishAsync("failed")).GetProperty("consecutive_failures").GetInt32());
        Assert.False((await FireAndFinishAsync("failed")).GetProperty("paused").GetBoolean());
        var paused = await FireAndFinishAsync("failed");
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.Equal(3, paused.GetProperty("consecutive_failures").GetInt32());
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("next_run_at").ValueKind);
        var reason = paused.GetProperty("paused_reason").GetString();
        Assert.StartsWith("3 scheduled reports in a row failed; the last one: ", reason, StringComparison.Ordinal);
        Assert.Contains("retired_report", reason, StringComparison.Ordinal);

        // Paused: not fired even when its time comes; resumed: reason and count cleared, next run in the future.
        await DueAtAsync(id, DateTimeOffset.UtcNow.AddMinutes(-1));
        var before = (await RequestsOfAsync(id)).Count;
        await firer.FireDueAsync(Cancellation);
        Assert.Equal(before, (await RequestsOfAsync(id)).Count);
        var (_, resumed) = await SendAsync(manager, HttpMethod.Post, $"/api/analytics/schedules/{id}/resume");
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, resumed.GetProperty("paused_reason").ValueKind);
        Assert.Equal(0, resumed.GetProperty("consecutive_failures").GetInt32());
        Assert.True(resumed.GetProperty("next_run_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_fired_report_belongs_to_the_owner_and_its_recipients_are_told_and_may_download_it()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        using var colleague = fixture.ClientFor(team.Colleague, "student");
        using var bystander = fixture.ClientFor(team.Bystander, "student");
        await using var ready = await BrokerProbe.BindAsync(fixture.Service.Broker, "analytics.report.ready");
        var id = await CreateAsync(manager, Schedule(recipients: [team.Colleague]));
        await DueAtAsync(id, DateTimeOffset.UtcNow.AddSeconds(-5));

        await NewFirer(TimeProvider.System).FireDueAsync(Cancellation);

        var request = Assert.Single(await RequestsOfAsync(id)).Id;
        var done = await ReportsFixture.WaitForStateAsync(colleague, request, "ready");
        Assert.Equal(team.Manager, done.GetProperty("user_id").GetGuid());
        Assert.Equal(id, done.GetProperty("schedule_id").GetGuid());
        Assert.Equal(team.Department, done.GetProperty("params").GetProperty("department").GetString());
        var evt = await ready.TakeAsync(e => e.GetProperty("request_id").GetGuid() == request, TimeSpan.FromSeconds(15));
        Assert.NotNull(evt);
        Assert.Equal(team.Manager, evt.Value.GetProperty("user_id").GetGuid());
        Assert.Equal([team.Colleague], evt.Value.GetProperty("recipients").EnumerateArray().Select(r => r.GetGuid()));

        // The owner lists it; the recipient reads and downloads it; someone else of the department gets 404.
        var mine = await manager.GetFromJsonAsync<JsonElement>("/api/analytics/reports", Cancellation);
        Assert.Contains(mine.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetGuid() == request);
        using var download = await colleague.GetAsync($"/api/analytics/reports/{request}/download", Cancellation);
        Assert.Equal(HttpStatusCode.Redirect, download.StatusCode);
        using var anonymous = new HttpClient();
        using var file = await anonymous.GetAsync(download.Headers.Location, Cancellation);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.NotEmpty(ReportFiles.ReadXlsx(await file.Content.ReadAsByteArrayAsync(Cancellation)));
        using var refused = await bystander.GetAsync($"/api/analytics/reports/{request}/download", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bystander.GetAsync($"/api/analytics/reports/{request}", Cancellation)).StatusCode);
        // Only the owner cancels.
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.PostAsync($"/api/analytics/reports/{request}/cancel", null, Cancellation)).StatusCode);
    }
}
