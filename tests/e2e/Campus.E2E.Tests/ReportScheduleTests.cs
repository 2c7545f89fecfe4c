using System.Net;
using System.Text.Json;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// A report schedule through the edge on the running platform: a manager (role granted and department set by the admin)
/// schedules a report for the next whole minute; the analytics worker fires it once, makes the file, and the manager
/// gets one «Отчёт готов» e-mail (maildev) linking to the download — with two analytics worker replicas running (the
/// platform's and a second process of the same build and settings), which both look for due schedules.
/// </summary>
public sealed class ReportScheduleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_schedule_due_within_the_next_minute_makes_exactly_one_report_and_one_mail_with_two_workers()
    {
        using var replica = await HostReplica.StartAsync("analytics-worker");
        var admin = await SignIn.AdminAsync();
        var email = NotificationsTests.NewAddress();
        var refresh = await NotificationsTests.RegisterConfirmedAsync(email);
        var user = await RefreshAsync(refresh);
        var department = "E2E schedules " + Guid.NewGuid().ToString("N")[..8];
        using (var granted = await Api.SendAsync(admin, HttpMethod.Put, $"api/auth/users/{user.UserId}/roles", new { roles = new[] { "student", "manager" } }))
        {
            await Api.ExpectAsync(granted, HttpStatusCode.OK);
        }
        using (var moved = await Api.SendAsync(admin, HttpMethod.Put, $"api/profile/users/{user.UserId}", new { department }))
        {
            await Api.ExpectAsync(moved, HttpStatusCode.OK);
        }
        var manager = await RefreshAsync(user.RefreshToken);
        // Analytics learns the manager's department from profile's event (its dashboard answers 403 no_department until then).
        await Wait.UntilAsync(async () =>
        {
            using var dashboard = await Api.SendAsync(manager, HttpMethod.Get, "api/analytics/dashboard");
            return dashboard.StatusCode == HttpStatusCode.OK;
        }, seconds: 60);

        // The next whole minute at least 20 s away, written as Moscow wall-clock time: it occurs once (then next year).
        var now = DateTimeOffset.UtcNow;
        var at = DateTimeOffset.FromUnixTimeSeconds((now.AddSeconds(80).ToUnixTimeSeconds() / 60) * 60);
        var moscow = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow"));
        using var create = await Api.SendAsync(manager, HttpMethod.Post, "api/analytics/schedules", new
        {
            name = "E2E", type = "learner_progress", format = "xlsx", cron = $"{moscow.Minute} {moscow.Hour} {moscow.Day} {moscow.Month} *",
        });
        var schedule = await Api.ExpectAsync(create, HttpStatusCode.Created);
        var id = schedule.GetProperty("id").GetGuid();
        Assert.Equal(at, schedule.GetProperty("next_run_at").GetDateTimeOffset());

        // Fired within 60 s of its time, then made.
        var request = default(JsonElement);
        await Wait.UntilAsync(async () =>
        {
            using var list = await Api.SendAsync(manager, HttpMethod.Get, "api/analytics/reports");
            var fired = (await Api.ExpectAsync(list, HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
                .Where(r => r.GetProperty("schedule_id").ValueKind != JsonValueKind.Null
                    && r.GetProperty("schedule_id").GetGuid() == id).ToList();
            Assert.True(fired.Count <= 1, $"{fired.Count} requests for one occurrence");
            request = fired.SingleOrDefault();
            return request.ValueKind != JsonValueKind.Undefined && request.GetProperty("state").GetString() == "ready";
        }, seconds: (int)(at - DateTimeOffset.UtcNow).TotalSeconds + 120);
        Assert.InRange(request.GetProperty("created_at").GetDateTimeOffset() - at, TimeSpan.Zero, TimeSpan.FromSeconds(60));
        using (var replicaReady = await Http.Client.GetAsync(new Uri(replica.Url, "readyz"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, replicaReady.StatusCode); // both replicas were up when the occurrence came due
        }
        var requestId = request.GetProperty("id").GetGuid();

        var mail = await NotificationsTests.WaitForMailAsync(email, $"/api/analytics/reports/{requestId}/download", TimeSpan.FromSeconds(60));
        Assert.StartsWith("Отчёт готов: Прогресс слушателей", mail.GetProperty("subject").GetString(), StringComparison.Ordinal);
        Assert.Single(await NotificationsTests.MailsToAsync(email), m => m.GetProperty("subject").GetString()!.StartsWith("Отчёт готов", StringComparison.Ordinal));
        using (var download = await Api.SendAsync(manager, HttpMethod.Get, $"api/analytics/reports/{requestId}/download?redirect=false"))
        {
            Assert.StartsWith("http", (await Api.ExpectAsync(download, HttpStatusCode.OK)).GetProperty("url").GetString(), StringComparison.Ordinal);
        }
        using var all = await Api.SendAsync(manager, HttpMethod.Get, "api/analytics/reports?limit=100");
        Assert.Single((await Api.ExpectAsync(all, HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            r => r.GetProperty("schedule_id").ValueKind != JsonValueKind.Null && r.GetProperty("schedule_id").GetGuid() == id);
        using var deleted = await Api.SendAsync(manager, HttpMethod.Delete, $"api/analytics/schedules/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    private static async Task<SignIn.Session> RefreshAsync(string refreshToken)
    {
        using var refreshed = await Http.Client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/token/refresh"),
            Api.Json(new { refresh_token = refreshToken }), Ct);
        var tokens = await Api.ExpectAsync(refreshed, HttpStatusCode.OK);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        return new SignIn.Session(accessToken, SignIn.Claims(accessToken).GetProperty("sub").GetString()!, tokens.GetProperty("refresh_token").GetString()!);
    }
}
