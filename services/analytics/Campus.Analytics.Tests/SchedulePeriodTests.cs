extern alias worker;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Campus.Analytics.Reports;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScheduleFirer = worker::Campus.Analytics.Worker.Reports.ScheduleFirer;

namespace Campus.Analytics.Tests;

/// <summary>
/// Relative periods of schedules and requests (resolved at each firing in the schedule's zone, on a fake clock across
/// DST and month boundaries), and the re-check of the owner and the recipients at each firing, on the real servers
/// (service and report worker side by side, one PostgreSQL database).
/// </summary>
public sealed class SchedulePeriodTests(ReportsFixture fixture) : IClassFixture<ReportsFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private sealed record Team(string Department, Guid Manager, Guid Colleague, Guid Bystander);

    private async Task<Team> SeedTeamAsync()
    {
        var department = "Отдел " + Guid.NewGuid().ToString("N")[..8];
        var team = new Team(department, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await fixture.AddUserAsync(team.Manager, "Мария Руководитель", "boss@campus.test", department, "manager");
        await fixture.AddUserAsync(team.Colleague, "Анна Коллега", "anna@campus.test", department);
        await fixture.AddUserAsync(team.Bystander, "Борис Сосед", "boris@campus.test", department);
        return team;
    }

    private static Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null) =>
        ScheduleTests.SendAsync(client, method, path, body);

    private static object Schedule(string cron, string zone, object parameters, Guid[]? recipients = null) =>
        new { type = "activity", format = "xlsx", @params = parameters, cron, time_zone = zone, recipients };

    private async Task<Guid> CreateAsync(HttpClient client, object body)
    {
        var (response, created) = await SendAsync(client, HttpMethod.Post, "/api/analytics/schedules", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {created}");
        return created.GetProperty("id").GetGuid();
    }

    private ScheduleFirer NewFirer(TimeProvider time) => new(
        fixture.Worker.Services.GetRequiredService<IServiceScopeFactory>(),
        fixture.Worker.Services.GetRequiredService<IOptions<SchedulesOptions>>(),
        time,
        NullLogger<ScheduleFirer>.Instance);

    private sealed record Fired(Guid Id, DateTimeOffset Occurrence, DateOnly? From, DateOnly? To, string? Period, Guid[] Recipients);

    private async Task<List<Fired>> FiredAsync(Guid schedule)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(
            "SELECT id, occurrence_at, from_date, to_date, period, recipients FROM report_requests WHERE schedule_id = $1 ORDER BY occurrence_at", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = schedule });
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var rows = new List<Fired>();
        while (await reader.ReadAsync(Cancellation))
        {
            rows.Add(new Fired(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateOnly>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<Guid[]>(5)));
        }
        return rows;
    }

    /// <summary>Sets the clock 10 s past the schedule's next run and fires; answers the request it made.</summary>
    private async Task<Fired> FireNextAsync(Guid schedule, FakeTimeProvider clock)
    {
        var next = new DateTimeOffset(await fixture.ScalarAsync<DateTime>("SELECT next_run_at FROM report_schedules WHERE id = $1", schedule), TimeSpan.Zero);
        clock.SetUtcNow(next.AddSeconds(10));
        await FireDueAsync(clock);
        return (await FiredAsync(schedule)).Single(f => f.Occurrence == next);
    }

    /// <summary>
    /// Fires what is due on <paramref name="clock"/>. While the report worker finishes a request fired earlier it holds
    /// the schedule's row (a ready report resets the failure count), and the firer's SKIP LOCKED passes it by, as a poll
    /// would until the next one: so fire until a schedule was claimed.
    /// </summary>
    private Task FireDueAsync(FakeTimeProvider clock) =>
        Wait.UntilAsync(async () => await NewFirer(clock).FireDueAsync(Cancellation) > 0, because: () => "no due schedule was claimed");

    private Task StartAtAsync(Guid schedule, string cron, string zone, FakeTimeProvider clock) =>
        fixture.ExecuteAsync("UPDATE report_schedules SET next_run_at = $1 WHERE id = $2", ScheduleClock.Next(cron, zone, clock.GetUtcNow())!.Value, schedule);

    [Theory]
    [InlineData("last_7_days", "2027-03-29", "2027-03-22", "2027-03-28")]
    [InlineData("last_30_days", "2027-03-01", "2027-01-30", "2027-02-28")]
    [InlineData("previous_week", "2027-03-29", "2027-03-22", "2027-03-28")] // a Monday
    [InlineData("previous_week", "2027-03-28", "2027-03-15", "2027-03-21")] // a Sunday: its week began on the 22nd
    [InlineData("previous_month", "2027-03-31", "2027-02-01", "2027-02-28")]
    [InlineData("previous_month", "2028-03-01", "2028-02-01", "2028-02-29")] // a leap year
    [InlineData("previous_month", "2027-01-15", "2026-12-01", "2026-12-31")] // across the year
    [InlineData("month_to_date", "2027-11-01", "2027-11-01", "2027-11-01")]
    [InlineData("month_to_date", "2027-11-17", "2027-11-01", "2027-11-17")]
    public void A_period_is_whole_days_relative_to_today(string period, string today, string from, string to)
    {
        var parsed = JsonSerializer.Deserialize<ReportPeriod>($"\"{period}\"", new JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } });
        Assert.Equal(period, ReportPeriods.Name(parsed));
        Assert.Equal((DateOnly.Parse(from, CultureInfo.InvariantCulture), DateOnly.Parse(to, CultureInfo.InvariantCulture)), ReportPeriods.Days(parsed, DateOnly.Parse(today, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_period_is_resolved_at_each_firing_in_the_schedules_zone_across_DST_and_month_ends()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        const string zone = "Europe/Berlin";

        // Mondays 00:30 in Berlin, previous week. On 2027-03-29 (the day after the spring change) 00:30 CEST is still
        // Sunday 22:30 UTC: read in UTC the week would be one too early.
        var weekly = await CreateAsync(manager, Schedule("30 0 * * 1", zone, new { period = "previous_week" }));
        var (_, read) = await SendAsync(manager, HttpMethod.Get, $"/api/analytics/schedules/{weekly}");
        Assert.Equal("previous_week", read.GetProperty("params").GetProperty("period").GetString());
        Assert.Equal(JsonValueKind.Null, read.GetProperty("params").GetProperty("from").ValueKind);
        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 3, 20, 12, 0, 0, TimeSpan.Zero));
        await StartAtAsync(weekly, "30 0 * * 1", zone, clock);
        var before = await FireNextAsync(weekly, clock);
        var after = await FireNextAsync(weekly, clock);
        Assert.Equal(new DateTimeOffset(2027, 3, 21, 23, 30, 0, TimeSpan.Zero), before.Occurrence); // CET, +01
        Assert.Equal((new DateOnly(2027, 3, 15), new DateOnly(2027, 3, 21)), (before.From!.Value, before.To!.Value));
        Assert.Equal(new DateTimeOffset(2027, 3, 28, 22, 30, 0, TimeSpan.Zero), after.Occurrence); // CEST, +02
        Assert.Equal((new DateOnly(2027, 3, 22), new DateOnly(2027, 3, 28)), (after.From!.Value, after.To!.Value));
        Assert.Equal("previous_week", after.Period);

        // The 1st at 00:30 in Berlin, previous month: 2027-04-01 00:30 CEST is March 31 in UTC; 2027-11-01 00:30 CET is
        // October 31 in UTC (the autumn change was that night).
        var monthly = await CreateAsync(manager, Schedule("30 0 1 * *", zone, new { period = "previous_month" }));
        clock = new FakeTimeProvider(new DateTimeOffset(2027, 3, 15, 0, 0, 0, TimeSpan.Zero));
        await StartAtAsync(monthly, "30 0 1 * *", zone, clock);
        var april = await FireNextAsync(monthly, clock);
        Assert.Equal(new DateTimeOffset(2027, 3, 31, 22, 30, 0, TimeSpan.Zero), april.Occurrence);
        Assert.Equal((new DateOnly(2027, 3, 1), new DateOnly(2027, 3, 31)), (april.From!.Value, april.To!.Value));
        clock.SetUtcNow(new DateTimeOffset(2027, 10, 15, 0, 0, 0, TimeSpan.Zero));
        await StartAtAsync(monthly, "30 0 1 * *", zone, clock);
        var november = await FireNextAsync(monthly, clock);
        Assert.Equal(new DateTimeOffset(2027, 10, 31, 23, 30, 0, TimeSpan.Zero), november.Occurrence);
        Assert.Equal((new DateOnly(2027, 10, 1), new DateOnly(2027, 10, 31)), (november.From!.Value, november.To!.Value));

        // Month to date on the 1st is that one day.
        var toDate = await CreateAsync(manager, Schedule("30 0 * * *", zone, new { period = "month_to_date" }));
        clock = new FakeTimeProvider(new DateTimeOffset(2027, 10, 31, 12, 0, 0, TimeSpan.Zero));
        await StartAtAsync(toDate, "30 0 * * *", zone, clock);
        var first = await FireNextAsync(toDate, clock);
        Assert.Equal((new DateOnly(2027, 11, 1), new DateOnly(2027, 11, 1)), (first.From!.Value, first.To!.Value));

        // The fired request answers the days it was made for, and its period.
        var (_, request) = await SendAsync(manager, HttpMethod.Get, $"/api/analytics/reports/{after.Id}");
        var parameters = request.GetProperty("params");
        Assert.Equal(("2027-03-22", "2027-03-28", "previous_week"),
            (parameters.GetProperty("from").GetString(), parameters.GetProperty("to").GetString(), parameters.GetProperty("period").GetString()));
    }

    [Fact]
    public async Task A_period_and_a_fixed_day_together_are_refused_and_a_request_resolves_its_period_when_made()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");

        var (schedule, scheduleProblem) = await SendAsync(manager, HttpMethod.Post, "/api/analytics/schedules",
            Schedule("0 8 * * 1", "Europe/Moscow", new { period = "last_7_days", from = "2027-01-01" }));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "period_and_range"), (schedule.StatusCode, scheduleProblem.GetProperty("code").GetString()));
        var (request, requestProblem) = await ReportsFixture.RequestAsync(manager,
            new { type = "activity", format = "xlsx", @params = new { period = "previous_month", to = "2027-01-31" } });
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "period_and_range"), (request.StatusCode, requestProblem.GetProperty("code").GetString()));
        var (unknown, _) = await SendAsync(manager, HttpMethod.Post, "/api/analytics/schedules",
            Schedule("0 8 * * 1", "Europe/Moscow", new { period = "last_fortnight" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        // A request's period is resolved when it is made, in the requester's zone (Moscow, no DST).
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(3));
        var (accepted, body) = await ReportsFixture.RequestAsync(manager, new { type = "activity", format = "xlsx", @params = new { period = "last_7_days" } });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var parameters = body.GetProperty("params");
        Assert.Equal((today.AddDays(-7), today.AddDays(-1), "last_7_days"),
            (DateOnly.Parse(parameters.GetProperty("from").GetString()!, CultureInfo.InvariantCulture), DateOnly.Parse(parameters.GetProperty("to").GetString()!, CultureInfo.InvariantCulture),
                parameters.GetProperty("period").GetString()));
    }

    [Fact]
    public async Task At_each_firing_a_recipient_who_left_the_department_or_was_blocked_gets_nothing_and_an_owner_who_left_pauses_it()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        using var colleague = fixture.ClientFor(team.Colleague, "student");
        var id = await CreateAsync(manager, Schedule("0 * * * *", "Europe/Moscow", new { }, [team.Colleague, team.Bystander]));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await StartAtAsync(id, "0 * * * *", "Europe/Moscow", clock);

        var both = await FireNextAsync(id, clock);
        Assert.Equal([team.Colleague, team.Bystander], both.Recipients);

        // The colleague moves to another department: the next report is not sent to her, nor may she read it.
        await fixture.ExecuteAsync("UPDATE users SET department = 'Склад' WHERE user_id = $1", team.Colleague);
        var moved = await FireNextAsync(id, clock);
        Assert.Equal([team.Bystander], moved.Recipients);
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync($"/api/analytics/reports/{moved.Id}", Cancellation)).StatusCode);

        // The other one is blocked: nobody but the owner gets the next one. The schedule still lists both.
        await fixture.ExecuteAsync("UPDATE users SET status = 'blocked' WHERE user_id = $1", team.Bystander);
        var blocked = await FireNextAsync(id, clock);
        Assert.Empty(blocked.Recipients);
        var (_, schedule) = await SendAsync(manager, HttpMethod.Get, $"/api/analytics/schedules/{id}");
        Assert.Equal(2, schedule.GetProperty("recipients").GetArrayLength());

        // The owner moves to another department: no report; the schedule pauses and says why.
        await fixture.ExecuteAsync("UPDATE users SET department = 'Склад' WHERE user_id = $1", team.Manager);
        var count = (await FiredAsync(id)).Count;
        clock.Advance(TimeSpan.FromHours(1));
        await FireDueAsync(clock);
        Assert.Equal(count, (await FiredAsync(id)).Count);
        var (_, paused) = await SendAsync(manager, HttpMethod.Get, $"/api/analytics/schedules/{id}");
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("next_run_at").ValueKind);
        Assert.Equal("owner_not_allowed: the owner is no longer in the schedule's department.", paused.GetProperty("paused_reason").GetString());

        // A blocked owner pauses it too.
        await fixture.ExecuteAsync("UPDATE users SET department = $1, status = 'blocked' WHERE user_id = $2", team.Department, team.Manager);
        await fixture.ExecuteAsync("UPDATE report_schedules SET paused = false, paused_reason = NULL, next_run_at = $1 WHERE id = $2",
            clock.GetUtcNow().AddMinutes(-1), id);
        await FireDueAsync(clock);
        Assert.Equal("owner_not_allowed: the owner is blocked.",
            await fixture.ScalarAsync<string>("SELECT paused_reason FROM report_schedules WHERE id = $1", id));
    }
}
