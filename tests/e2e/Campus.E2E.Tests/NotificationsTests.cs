using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Campus.Testing;
using Npgsql;

namespace Campus.E2E.Tests;

/// <summary>
/// End to end: auth's e-mail events become notification rows (the notifications service), which the delivery
/// worker sends to the SMTP sink (maildev). The mails are read back through maildev's REST API; the rows through the
/// notifications database.
/// </summary>
public sealed class NotificationsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal const string Password = "Lilac-Harbour-Quartz-7391";

    internal static Uri MaildevUrl { get; } = new(
        $"http://127.0.0.1:{(Environment.GetEnvironmentVariable("CAMPUS_MAILDEV_WEB_PORT") is { Length: > 0 } port ? port : "1080")}/");

    [Fact]
    public async Task Register_with_email_mails_a_link_within_seconds_whose_token_confirms_the_account()
    {
        var email = NewAddress();
        using (var registered = await PostAsync("api/auth/email/register", new { email, password = Password }))
        {
            await Api.ExpectAsync(registered, HttpStatusCode.Accepted);
        }

        var clock = Stopwatch.StartNew();
        var mail = await WaitForMailAsync(email, "confirm-email", TimeSpan.FromSeconds(15));
        TestContext.Current.TestOutputHelper?.WriteLine($"confirmation mail in maildev after {clock.ElapsedMilliseconds} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the mail took {clock.Elapsed}");

        using (var early = await PostAsync("api/auth/email/login", new { email, password = Password }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
        }
        using (var confirmed = await PostAsync("api/auth/email/confirm", new { token = Token(mail, "confirm-email") }))
        {
            Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        }
        using var login = await PostAsync("api/auth/email/login", new { email, password = Password });
        await Api.ExpectAsync(login, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Forgot_password_mails_a_reset_link_that_resets_it_and_old_refresh_tokens_are_refused()
    {
        var email = NewAddress();
        var oldRefresh = await RegisterConfirmedAsync(email);

        using (var forgot = await PostAsync("api/auth/password/forgot", new { email }))
        {
            Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
        }
        var mail = await WaitForMailAsync(email, "reset-password", TimeSpan.FromSeconds(15));
        const string newPassword = "Velvet-Canyon-Orbit-5528";
        using (var reset = await PostAsync("api/auth/password/reset", new { token = Token(mail, "reset-password"), password = newPassword }))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        using (var refreshed = await PostAsync("api/auth/token/refresh", new { refresh_token = oldRefresh }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        }
        using (var oldLogin = await PostAsync("api/auth/email/login", new { email, password = Password }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, oldLogin.StatusCode);
        }
        using var login = await PostAsync("api/auth/email/login", new { email, password = newPassword });
        await Api.ExpectAsync(login, HttpStatusCode.OK);
    }

    [Fact]
    public async Task With_the_smtp_sink_stopped_mails_stay_pending_with_growing_attempts_and_are_sent_exactly_once_when_it_is_back()
    {
        var email = NewAddress();
        await Platform.RunAsync(Ct, "stop", "maildev");
        try
        {
            using (var registered = await PostAsync("api/auth/email/register", new { email, password = Password }))
            {
                await Api.ExpectAsync(registered, HttpStatusCode.Accepted);
            }

            var first = await WaitForRowAsync(email, r => r.Attempts >= 1, TimeSpan.FromSeconds(15));
            var later = await WaitForRowAsync(email, r => r.Attempts >= 3, TimeSpan.FromSeconds(30));
            Assert.Equal("pending", later.Status);
            Assert.NotNull(later.LastError);
            Assert.Contains("SMTP", later.LastError);
            // Growing delays: the wait announced after the third failure is longer than after the first.
            Assert.True(later.NextAttemptAt - later.LastTouched > first.NextAttemptAt - first.LastTouched,
                $"delays did not grow: {first} then {later}");
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "maildev");
        }

        var sent = await WaitForRowAsync(email, r => r.Status == "sent", TimeSpan.FromSeconds(40));
        Assert.True(sent.Attempts >= 4, $"{sent}");
        await WaitForMailAsync(email, "confirm-email", TimeSpan.FromSeconds(10));
        // Every copy of the request consumed (retries included): a duplicate would have been mailed by now.
        await Pipeline.SettledAsync(Pipeline.AuthEvents, Pipeline.Deliveries);
        Assert.Single(await MailsToAsync(email));
    }

    [Fact]
    public async Task A_course_archived_and_published_again_is_mailed_once()
    {
        var email = NewAddress();
        await RegisterConfirmedAsync(email);
        var author = await SignIn.WithRolesAsync("student", "author");
        Guid course;
        using (var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/courses", new { title = "E2E announced " + Guid.NewGuid().ToString("N")[..8] }))
        {
            course = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        foreach (var step in new[] { "publish", "archive", "publish", "archive", "publish" })
        {
            using var response = await Api.SendAsync(author, HttpMethod.Post, $"api/content/courses/{course}/{step}");
            await Api.ExpectAsync(response, HttpStatusCode.OK);
        }

        await WaitForMailAsync(email, $"/courses/{course}", TimeSpan.FromSeconds(30));
        await Pipeline.SettledAsync(Pipeline.ContentEvents, Pipeline.Deliveries); // the re-publications' events, and their mails if any
        Assert.Single(await MailsToAsync(email), m => m.GetRawText().Contains($"/courses/{course}", StringComparison.Ordinal));
    }

    internal static string NewAddress() => $"e2e-{Guid.NewGuid():N}@campus.test";

    /// <summary>Registers, confirms through the mailed link, logs in: the refresh token of that session.</summary>
    internal static async Task<string> RegisterConfirmedAsync(string email)
    {
        using (var registered = await PostAsync("api/auth/email/register", new { email, password = Password }))
        {
            await Api.ExpectAsync(registered, HttpStatusCode.Accepted);
        }
        var mail = await WaitForMailAsync(email, "confirm-email", TimeSpan.FromSeconds(15));
        using (var confirmed = await PostAsync("api/auth/email/confirm", new { token = Token(mail, "confirm-email") }))
        {
            Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        }
        using var login = await PostAsync("api/auth/email/login", new { email, password = Password });
        return (await Api.ExpectAsync(login, HttpStatusCode.OK)).GetProperty("refresh_token").GetString()!;
    }

    /// <summary>The token of the link to <paramref name="path"/> in a mail, from its HTML or text body.</summary>
    private static string Token(JsonElement mail, string path)
    {
        var bodies = string.Join("\n", new[] { "html", "text" }
            .Select(p => mail.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : ""));
        var match = Regex.Match(bodies, $@"https?://[^\s""'<>]*/{path}\?token=([A-Za-z0-9_\-%.~]+)");
        Assert.True(match.Success, $"no /{path}?token= link in the mail: {bodies}");
        return Uri.UnescapeDataString(match.Groups[1].Value);
    }

    internal static async Task<JsonElement> WaitForMailAsync(string to, string linkPath, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var mail = (await MailsToAsync(to)).FirstOrDefault(m => m.GetRawText().Contains(linkPath, StringComparison.Ordinal));
            if (mail.ValueKind == JsonValueKind.Object)
            {
                return mail;
            }
            Assert.True(clock.Elapsed < timeout, $"no mail to {to} with /{linkPath} in maildev after {timeout.TotalSeconds:0}s");
            await Task.Delay(200, Ct);
        }
    }

    internal static async Task<List<JsonElement>> MailsToAsync(string to)
    {
        var (status, body) = await Http.TryGetAsync(new Uri(MaildevUrl, "api/email"), Ct);
        if (status != 200)
        {
            return [];
        }
        return [.. JsonDocument.Parse(body).RootElement.EnumerateArray()
            .Where(m => m.TryGetProperty("to", out var rcpts) && rcpts.EnumerateArray()
                .Any(r => string.Equals(r.GetProperty("address").GetString(), to, StringComparison.OrdinalIgnoreCase)))
            .Select(m => m.Clone())];
    }

    internal sealed record Row(string Status, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset LastTouched);

    /// <summary>The notification row of the confirmation mail to <paramref name="email"/>, straight from the service's database.</summary>
    internal static async Task<Row> WaitForRowAsync(string email, Func<Row, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        Row? row = null;
        while (clock.Elapsed < timeout)
        {
            await using (var db = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("campus_notifications")))
            {
                await db.OpenAsync(Ct);
                await using var query = new NpgsqlCommand(
                    """
                    SELECT status, attempts, last_error, next_attempt_at, now() FROM notifications
                    WHERE recipient = @email AND channel = 'email' ORDER BY created_at LIMIT 1
                    """, db);
                query.Parameters.AddWithValue("email", email);
                await using var reader = await query.ExecuteReaderAsync(Ct);
                if (await reader.ReadAsync(Ct))
                {
                    row = new Row(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4));
                    if (condition(row))
                    {
                        return row;
                    }
                }
            }
            await Task.Delay(100, Ct);
        }
        Assert.Fail($"the notification row to {email} never reached the expected state; last: {row?.ToString() ?? "no row"}");
        return row!;
    }

    internal static Task<HttpResponseMessage> PostAsync(string path, object body) =>
        Http.Client.PostAsync(new Uri(Platform.EdgeUrl, path), Api.Json(body), Ct);
}
