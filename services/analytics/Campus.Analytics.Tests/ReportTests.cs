extern alias worker;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3;
using Campus.Storage;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using ReportSweeper = worker::Campus.Analytics.Worker.Reports.ReportSweeper;

namespace Campus.Analytics.Tests;

/// <summary>
/// Report requests end to end on the real servers: the service (API, outbox) and the report worker (queue, PostgreSQL,
/// S3 multipart) side by side, facts inserted straight into the analytics database, files read back by independent tools.
/// </summary>
public sealed class ReportTests(ReportsFixture fixture) : IClassFixture<ReportsFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    /// <summary>A department with a manager, three learners (one elsewhere), two courses and four enrolments.</summary>
    private sealed record Team(string Department, Guid Manager, Guid Anna, Guid Boris, Guid Outsider, Guid Safety, Guid Sales);

    private async Task<Team> SeedTeamAsync()
    {
        var department = "Продажи " + Guid.NewGuid().ToString("N")[..6];
        var team = new Team(department, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await fixture.AddUserAsync(team.Manager, "Мария Руководитель", "boss@campus.test", department, "manager");
        await fixture.AddUserAsync(team.Anna, "Анна Смирнова", "anna@campus.test", department);
        await fixture.AddUserAsync(team.Boris, "Борис Иванов", "boris@campus.test", department);
        await fixture.AddUserAsync(team.Outsider, "Олег Складской", "oleg@campus.test", "Склад " + Guid.NewGuid().ToString("N")[..6]);
        await fixture.AddCourseAsync(team.Safety, "Охрана труда");
        await fixture.AddCourseAsync(team.Sales, "Продажи 101");
        await fixture.AddEnrolmentAsync(team.Safety, team.Anna, Enrolled, 4, 4, completedAt: Completed);
        await fixture.AddEnrolmentAsync(team.Safety, team.Boris, Enrolled, 1, 4, dueAt: Now.AddDays(10));
        await fixture.AddEnrolmentAsync(team.Sales, team.Boris, Enrolled, 0, 2, dueAt: Now.AddDays(-3));
        await fixture.AddEnrolmentAsync(team.Safety, team.Outsider, Enrolled, 0, 4);
        return team;
    }

    private static readonly DateTimeOffset Enrolled = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Completed = new(2026, 11, 10, 12, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_managers_learner_progress_xlsx_becomes_ready_and_holds_exactly_the_departments_rows()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        await using var ready = await BrokerProbe.BindAsync(fixture.Service.Broker, "analytics.report.ready");

        var (response, created) = await ReportsFixture.RequestAsync(manager, new { type = "learner_progress", format = "xlsx" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal($"/api/analytics/reports/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("queued", created.GetProperty("state").GetString());
        Assert.Equal(team.Department, created.GetProperty("params").GetProperty("department").GetString());
        Assert.Equal("ru", created.GetProperty("locale").GetString());

        var done = await ReportsFixture.WaitForStateAsync(manager, id, "ready");
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.Equal(3, done.GetProperty("row_count").GetInt64());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        var fileName = done.GetProperty("file_name").GetString()!;
        Assert.StartsWith($"Прогресс слушателей — {team.Department} — ", fileName, StringComparison.Ordinal);
        Assert.EndsWith(".xlsx", fileName, StringComparison.Ordinal);
        Assert.Equal($"/api/analytics/reports/{id}/download", done.GetProperty("download_path").GetString());

        // The download: 302 to a presigned GET that works without credentials and names the file in Russian.
        using var download = await manager.GetAsync($"/api/analytics/reports/{id}/download", Cancellation);
        Assert.Equal(HttpStatusCode.Redirect, download.StatusCode);
        Assert.Equal("no-store", download.Headers.CacheControl?.ToString());
        using var anonymous = new HttpClient();
        using var file = await anonymous.GetAsync(download.Headers.Location, Cancellation);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var disposition = file.Content.Headers.ContentDisposition;
        Assert.Equal("attachment", disposition?.DispositionType);
        Assert.Equal(fileName, disposition?.FileNameStar);
        var sheets = ReportFiles.ReadXlsx(await file.Content.ReadAsByteArrayAsync(Cancellation));

        Assert.Equal(["Данные", "Параметры"], sheets.Select(s => s.Name));
        var rows = sheets[0].Rows;
        Assert.Equal(["Слушатель", "E-mail", "Подразделение", "Курс", "Состояние", "Прогресс", "Записан", "Срок", "Завершён"],
            rows[0].Select(c => c as string));
        Assert.Equal(4, rows.Count);
        var enrolledMoscow = new DateTime(2026, 11, 2, 12, 0, 0); // 09:00 UTC in Europe/Moscow (UTC+3)
        AssertRow(rows[1], "Анна Смирнова", "anna@campus.test", team.Department, "Охрана труда", "Завершён", 1.0, enrolledMoscow, null,
            new DateTime(2026, 11, 10, 15, 30, 0));
        AssertRow(rows[2], "Борис Иванов", "boris@campus.test", team.Department, "Охрана труда", "В процессе", 0.25, enrolledMoscow,
            Local(Now.AddDays(10)), null);
        AssertRow(rows[3], "Борис Иванов", "boris@campus.test", team.Department, "Продажи 101", "Просрочен", 0.0, enrolledMoscow,
            Local(Now.AddDays(-3)), null);
        var parameters = sheets[1].Rows;
        Assert.Equal("Прогресс слушателей", parameters[0][0]);
        Assert.Contains(parameters, r => r[0] as string == "Подразделение" && r[1] as string == team.Department);
        Assert.Contains(parameters, r => r[0] as string == "Строк" && Convert.ToInt64(r[1], System.Globalization.CultureInfo.InvariantCulture) == 3);

        // analytics.report.ready went out through the outbox, for notifications.
        var evt = await ready.TakeAsync(e => e.GetProperty("request_id").GetGuid() == id, TimeSpan.FromSeconds(15));
        Assert.NotNull(evt);
        Assert.Equal(team.Manager, evt.Value.GetProperty("user_id").GetGuid());
        Assert.Equal("learner_progress", evt.Value.GetProperty("report_type").GetString());
        Assert.Equal("xlsx", evt.Value.GetProperty("format").GetString());
        Assert.Equal(fileName, evt.Value.GetProperty("file_name").GetString());

        // redirect=false answers the URL instead.
        var link = await manager.GetFromJsonAsync<JsonElement>($"/api/analytics/reports/{id}/download?redirect=false", Cancellation);
        Assert.StartsWith(TestInfrastructure.S3Url, link.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.InRange(link.GetProperty("expires_at").GetDateTimeOffset(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(6));
    }

    private static DateTime Local(DateTimeOffset utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(utc.UtcDateTime, TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow"));

    private static void AssertRow(object?[] row, string learner, string email, string department, string course, string state,
        double progress, DateTime enrolled, DateTime? due, DateTime? completed)
    {
        Assert.Equal(learner, row[0]);
        Assert.Equal(email, row[1]);
        Assert.Equal(department, row[2]);
        Assert.Equal(course, row[3]);
        Assert.Equal(state, row[4]);
        Assert.Equal(progress, Assert.IsType<double>(row[5]), 6);
        Assert.Equal(enrolled, Assert.IsType<DateTime>(row[6]));
        AssertMinute(due, row[7]);
        AssertMinute(completed, row[8]);
    }

    private static void AssertMinute(DateTime? expected, object? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }
        // Excel keeps times as fractions of a day: compare to the millisecond's neighbourhood.
        Assert.InRange(Assert.IsType<DateTime>(actual), expected.Value.AddMilliseconds(-5), expected.Value.AddMilliseconds(5));
    }

    [Fact]
    public async Task The_pdf_has_the_russian_title_the_learners_and_page_numbers_and_english_on_request()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");
        var (_, created) = await ReportsFixture.RequestAsync(manager, new { type = "learner_progress", format = "pdf" });
        var id = created.GetProperty("id").GetGuid();
        await ReportsFixture.WaitForStateAsync(manager, id, "ready");

        var text = await ReportFiles.PdfTextAsync(await DownloadAsync(manager, id));

        Assert.Contains("Прогресс слушателей", text, StringComparison.Ordinal);
        Assert.Contains("Анна Смирнова", text, StringComparison.Ordinal);
        Assert.Contains("Борис Иванов", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Олег Складской", text, StringComparison.Ordinal);
        Assert.Contains("Сформирован", text, StringComparison.Ordinal);
        Assert.Contains("(Europe/Moscow)", text, StringComparison.Ordinal);
        Assert.Contains("Сводка: Слушатели по состоянию", text, StringComparison.Ordinal);
        Assert.Contains("Страница 1 из 1", text, StringComparison.Ordinal);

        using var english = fixture.ClientFor(team.Manager, "manager", acceptLanguage: "en-GB,en;q=0.9");
        var (_, englishCreated) = await ReportsFixture.RequestAsync(english, new { type = "course_completion", format = "pdf" });
        var englishId = englishCreated.GetProperty("id").GetGuid();
        Assert.Equal("en", englishCreated.GetProperty("locale").GetString());
        var englishDone = await ReportsFixture.WaitForStateAsync(english, englishId, "ready");
        Assert.StartsWith("Course completion — ", englishDone.GetProperty("file_name").GetString(), StringComparison.Ordinal);
        var englishText = await ReportFiles.PdfTextAsync(await DownloadAsync(english, englishId));
        Assert.Contains("Course completion", englishText, StringComparison.Ordinal);
        Assert.Contains("Охрана труда", englishText, StringComparison.Ordinal);
        Assert.Contains("Completion rate", englishText, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 1", englishText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pdf_stops_at_its_row_limit_and_an_xlsx_goes_on_in_the_next_sheet()
    {
        // The test host allows 50 PDF rows and 10 data rows per sheet.
        var department = "Большой отдел " + Guid.NewGuid().ToString("N")[..6];
        var manager = Guid.NewGuid();
        var course = Guid.NewGuid();
        await fixture.AddUserAsync(manager, "Начальник", "chief@campus.test", department, "manager");
        await fixture.AddCourseAsync(course, "Вводный курс");
        for (var i = 0; i < 60; i++)
        {
            var learner = Guid.NewGuid();
            await fixture.AddUserAsync(learner, $"Слушатель {i:D2}", $"l{i}@campus.test", department);
            await fixture.AddEnrolmentAsync(course, learner, Enrolled, i % 5, 4);
        }
        using var client = fixture.ClientFor(manager, "manager");

        var (_, pdf) = await ReportsFixture.RequestAsync(client, new { type = "learner_progress", format = "pdf" });
        var pdfDone = await ReportsFixture.WaitForStateAsync(client, pdf.GetProperty("id").GetGuid(), "ready");
        Assert.True(pdfDone.GetProperty("truncated").GetBoolean());
        Assert.Equal(50, pdfDone.GetProperty("row_count").GetInt64());
        var text = await ReportFiles.PdfTextAsync(await DownloadAsync(client, pdf.GetProperty("id").GetGuid()));
        Assert.Contains("Слушатель 49", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Слушатель 50", text, StringComparison.Ordinal);
        Assert.Contains("Показаны первые 50 строк из 60", text, StringComparison.Ordinal);
        // The summary counts all 60 rows (48 in progress, 12 not started), not the 50 shown (40 and 10).
        Assert.Matches(@"В процессе\s+48\b", text);
        Assert.Matches(@"Не начат\s+12\b", text);
        Assert.Contains("закажите формат XLSX", text, StringComparison.Ordinal);
        var pages = ReportFiles.PdfPages(text);
        Assert.True(pages >= 2, $"50 rows should fill more than one page, got {pages}");
        Assert.Contains($"Страница {pages} из {pages}", text, StringComparison.Ordinal);
        // The header row is repeated on every page.
        Assert.Equal(pages, text.Split('\f').Count(page => page.Contains("Состояние", StringComparison.Ordinal)));

        var (_, xlsx) = await ReportsFixture.RequestAsync(client, new { type = "learner_progress", format = "xlsx" });
        var xlsxDone = await ReportsFixture.WaitForStateAsync(client, xlsx.GetProperty("id").GetGuid(), "ready");
        Assert.Equal(60, xlsxDone.GetProperty("row_count").GetInt64());
        var sheets = ReportFiles.ReadXlsx(await DownloadAsync(client, xlsx.GetProperty("id").GetGuid()));
        Assert.Equal(["Данные", "Данные (2)", "Данные (3)", "Данные (4)", "Данные (5)", "Данные (6)", "Параметры"], sheets.Select(s => s.Name));
        Assert.All(sheets.Take(6), sheet =>
        {
            Assert.Equal(11, sheet.Rows.Count);
            Assert.Equal("Слушатель", sheet.Rows[0][0]);
        });
        Assert.Equal([.. Enumerable.Range(0, 60).Select(i => $"Слушатель {i:D2}")],
            sheets.Take(6).SelectMany(s => s.Rows.Skip(1)).Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task Managers_report_on_their_department_only_and_see_only_their_own_requests()
    {
        var team = await SeedTeamAsync();
        using var manager = fixture.ClientFor(team.Manager, "manager");

        var (otherDepartment, problem) = await ReportsFixture.RequestAsync(manager,
            new { type = "learner_progress", format = "xlsx", @params = new { department = "Склад" } });
        Assert.Equal(HttpStatusCode.Forbidden, otherDepartment.StatusCode);
        Assert.Equal("department_forbidden", problem.GetProperty("code").GetString());

        using var student = fixture.ClientFor(team.Anna, "student");
        var (studentResponse, studentProblem) = await ReportsFixture.RequestAsync(student, new { type = "activity", format = "xlsx" });
        Assert.Equal(HttpStatusCode.Forbidden, studentResponse.StatusCode);
        Assert.Equal("reports_forbidden", studentProblem.GetProperty("code").GetString());

        var admin = Guid.NewGuid();
        using var adminClient = fixture.ClientFor(admin, "admin");
        var (adminResponse, adminRequest) = await ReportsFixture.RequestAsync(adminClient,
            new { type = "activity", format = "xlsx", @params = new { department = "Склад" } });
        Assert.Equal(HttpStatusCode.Accepted, adminResponse.StatusCode);
        var adminRequestId = adminRequest.GetProperty("id").GetGuid();

        // Another manager (or the admin) sees nothing of this manager's requests, and the other way round.
        var (_, mine) = await ReportsFixture.RequestAsync(manager, new { type = "overdue_assignments", format = "xlsx" });
        var mineId = mine.GetProperty("id").GetGuid();
        var otherManager = Guid.NewGuid();
        await fixture.AddUserAsync(otherManager, "Другой Руководитель", "other@campus.test", team.Department, "manager");
        using var other = fixture.ClientFor(otherManager, "manager");
        foreach (var path in new[] { $"/api/analytics/reports/{mineId}", $"/api/analytics/reports/{mineId}/download" })
        {
            using var hidden = await other.GetAsync(path, Cancellation);
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            using var hiddenFromAdmin = await adminClient.GetAsync(path, Cancellation);
            Assert.Equal(HttpStatusCode.NotFound, hiddenFromAdmin.StatusCode);
        }
        using var cancelOther = await other.PostAsync($"/api/analytics/reports/{mineId}/cancel", null, Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, cancelOther.StatusCode);
        var list = await manager.GetFromJsonAsync<JsonElement>("/api/analytics/reports?limit=100", Cancellation);
        var ids = list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(mineId, ids);
        Assert.DoesNotContain(adminRequestId, ids);
        Assert.Equal(ids.Count, list.GetProperty("total").GetInt32());

        // The overdue report of the manager holds Boris's overdue course only.
        await ReportsFixture.WaitForStateAsync(manager, mineId, "ready");
        var sheets = ReportFiles.ReadXlsx(await DownloadAsync(manager, mineId));
        var rows = sheets[0].Rows;
        Assert.Equal(2, rows.Count);
        Assert.Equal("Борис Иванов", rows[1][0]);
        Assert.Equal("Продажи 101", rows[1][3]);
        Assert.Equal(3.0, rows[1][5]);
    }

    [Fact]
    public async Task Invalid_requests_are_refused_with_codes()
    {
        using var admin = fixture.ClientFor(Guid.NewGuid(), "admin");
        var (response, problem) = await ReportsFixture.RequestAsync(admin,
            new { type = "salaries", format = "docx", locale = "de", @params = new { from = "2026-12-01", to = "2026-11-01" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors");
        Assert.StartsWith("unknown_type", errors.GetProperty("type")[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("unknown_format", errors.GetProperty("format")[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("invalid_locale", errors.GetProperty("locale")[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("invalid_range", errors.GetProperty("params.to")[0].GetString(), StringComparison.Ordinal);

        using var page = await admin.GetAsync("/api/analytics/reports?limit=0", Cancellation);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
    }

    [Fact]
    public async Task Before_ready_the_download_is_409_a_queued_request_can_be_canceled_and_an_expired_file_is_410()
    {
        var user = Guid.NewGuid();
        using var admin = fixture.ClientFor(user, "admin");
        // A queued request whose message is not sent (as if the outbox had not relayed it yet).
        var queued = Guid.NewGuid();
        await fixture.ExecuteAsync("""
            INSERT INTO report_requests (id, user_id, type, format, locale, time_zone, state, progress, attempts, truncated, created_at)
            VALUES ($1, $2, 'activity', 'xlsx', 'ru', 'Europe/Moscow', 'queued', 0, 0, false, now())
            """, queued, user);

        using var early = await admin.GetAsync($"/api/analytics/reports/{queued}/download", Cancellation);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("report_not_ready", (await early.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());

        using var cancel = await admin.PostAsync($"/api/analytics/reports/{queued}/cancel", null, Cancellation);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("canceled", (await cancel.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("state").GetString());
        using var again = await admin.PostAsync($"/api/analytics/reports/{queued}/cancel", null, Cancellation);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // A ready report past its retention: the sweeper deletes the file, the request is expired, the download 410.
        var (_, created) = await ReportsFixture.RequestAsync(admin, new { type = "content_inventory", format = "xlsx" });
        var id = created.GetProperty("id").GetGuid();
        await ReportsFixture.WaitForStateAsync(admin, id, "ready");
        var key = await fixture.ScalarAsync<string>("SELECT object_key FROM report_requests WHERE id = $1", id);
        await fixture.ExecuteAsync("UPDATE report_requests SET expires_at = now() - interval '1 minute' WHERE id = $1", id);
        using var lapsed = await admin.GetAsync($"/api/analytics/reports/{id}/download", Cancellation);
        Assert.Equal(HttpStatusCode.Gone, lapsed.StatusCode);

        await fixture.Worker.Services.GetRequiredService<ReportSweeper>().SweepAsync(Cancellation);

        await ReportsFixture.WaitForStateAsync(admin, id, "expired");
        using var gone = await admin.GetAsync($"/api/analytics/reports/{id}/download", Cancellation);
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal("report_expired", (await gone.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("code").GetString());
        var bucket = fixture.Service.Buckets.BucketName(StorageBuckets.Reports);
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => fixture.Service.Buckets.Client.GetObjectMetadataAsync(bucket, key, Cancellation));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_request_left_running_by_a_dead_worker_is_requeued_by_the_sweeper_and_completes()
    {
        var user = Guid.NewGuid();
        using var admin = fixture.ClientFor(user, "admin");
        // Attempt 1 died mid-report: running, its lease long gone, its multipart upload never finished.
        var id = Guid.NewGuid();
        await fixture.ExecuteAsync("""
            INSERT INTO report_requests (id, user_id, type, format, locale, time_zone, state, progress, attempts, lease_until,
                                         object_key, upload_id, truncated, created_at, started_at)
            VALUES ($1, $2, 'notification_delivery', 'xlsx', 'en', 'Europe/Berlin', 'running', 40, 1, now() - interval '1 minute',
                    'reports/deadbeefdeadbeefdeadbeefdeadbeef.xlsx', 'upload-of-the-dead-run', false, now(), now() - interval '2 minutes')
            """, id, user);
        await fixture.ExecuteAsync("""
            INSERT INTO notification_deliveries (notification_id, user_id, type, channel, state, attempts, occurred_at)
            VALUES ($1, $3, 'course_assigned', 'email', 'sent', 1, now()), ($2, $3, 'course_assigned', 'email', 'failed', 5, now())
            """, Guid.NewGuid(), Guid.NewGuid(), user);

        var (requeued, _) = await fixture.Worker.Services.GetRequiredService<ReportSweeper>().SweepAsync(Cancellation);

        Assert.True(requeued >= 1);
        var done = await ReportsFixture.WaitForStateAsync(admin, id, "ready");
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Null(await fixture.ScalarAsync<string>("SELECT upload_id FROM report_requests WHERE id = $1", id));
        Assert.NotEqual("reports/deadbeefdeadbeefdeadbeefdeadbeef.xlsx", await fixture.ScalarAsync<string>("SELECT object_key FROM report_requests WHERE id = $1", id));
        var rows = ReportFiles.ReadXlsx(await DownloadAsync(admin, id))[0].Rows;
        Assert.Equal(["Notification type", "Channel", "Sent", "Failed", "Retries"], rows[0].Select(c => c as string));
        Assert.Contains(rows, r => r[0] as string == "course_assigned" && r[1] as string == "E-mail" && (double)r[2]! >= 1 && (double)r[3]! >= 1 && (double)r[4]! >= 4);

        // A request whose every attempt died is failed instead of run again.
        var exhausted = Guid.NewGuid();
        await fixture.ExecuteAsync("""
            INSERT INTO report_requests (id, user_id, type, format, locale, time_zone, state, progress, attempts, lease_until, truncated, created_at)
            VALUES ($1, $2, 'activity', 'xlsx', 'ru', 'Europe/Moscow', 'running', 10, 3, now() - interval '1 minute', false, now())
            """, exhausted, user);
        await fixture.Worker.Services.GetRequiredService<ReportSweeper>().SweepAsync(Cancellation);
        var failed = await ReportsFixture.WaitForStateAsync(admin, exhausted, "failed");
        Assert.Contains("3 attempts", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private static async Task<byte[]> DownloadAsync(HttpClient client, Guid id)
    {
        using var redirect = await client.GetAsync($"/api/analytics/reports/{id}/download", Cancellation);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        using var anonymous = new HttpClient();
        return await anonymous.GetByteArrayAsync(redirect.Headers.Location, Cancellation);
    }
}
