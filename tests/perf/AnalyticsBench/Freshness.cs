using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BenchKit;
using Npgsql;

namespace AnalyticsBench;

/// <summary>
/// Freshness, end to end: how long after a real action through the edge the dashboard's figure moves. Each trial a
/// learner (signed in beforehand) enrols in a published course — <c>POST /api/content/courses/{id}/enrolment</c>
/// through the edge, so content's outbox, RabbitMQ, analytics' consumer and the dashboard's cache are all on the way —
/// and the driver polls <c>GET /api/analytics/dashboard?from=&lt;today&gt;</c> through the edge as the bootstrap admin
/// every --poll-ms until <c>enrolments</c> is above what it was before the action. The time counts from just before
/// the POST to the first answer that shows it. Alongside, analytics' own <c>enrolments</c> table is polled (every 20 ms)
/// to split the time into "the fact is applied" and "the dashboard shows it" (the rest: the figures' cache).
/// </summary>
/// <remarks>
/// Trials are one after another, each after a random 0–5 s pause so that the action falls at any point of the cache's
/// 4 s cycle. The period starts today (UTC) and has no end, so nothing else moves the figure (a period relative to now
/// would lose old enrolments as the clock runs). Printed, not asserted.
/// </remarks>
internal sealed class Freshness(FreshnessOptions options)
{
    public async Task<int> RunAsync()
    {
        var run = Random.Shared.Next(1000, 9999);
        using var edge = BenchHttp.Create(16, TimeSpan.FromSeconds(30), baseAddress: options.Edge);
        using var authHttp = PhoneSignIn.CreateClient(8);
        var signIn = new PhoneSignIn(authHttp, options.Auth, run);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, edge {options.Edge.Authority}; freshness: {options.Trials} enrolments through the edge, dashboard polled every {options.PollMs} ms"));

        var admin = await signIn.SignInAsync(options.AdminPhone);
        var learners = await signIn.SignInManyAsync(options.Trials,
            i => string.Create(CultureInfo.InvariantCulture, $"+7995{run % 1000:D3}{i:D4}"));
        var course = await CreateCourseAsync(edge, admin, $"Freshness {run}");
        await using var analytics = NpgsqlDataSource.Create(options.Connection);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var path = $"/api/analytics/dashboard?from={today}";

        var toDashboard = new List<double>();
        var toFact = new List<double>();
        for (var i = 0; i < learners.Length; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5000)));
            if (DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) != today)
            {
                Console.WriteLine("# the UTC day changed: stopping");
                break;
            }
            var before = await EnrolmentsAsync(edge, admin, path);
            var learner = Guid.Parse(learners[i].UserId);
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource();
            var fact = WaitForFactAsync(analytics, course, learner, clock, stop.Token);
            await SendAsync(edge, learners[i], HttpMethod.Post, $"/api/content/courses/{course}/enrolment", HttpStatusCode.Created);
            double seen;
            while (true)
            {
                if (await EnrolmentsAsync(edge, admin, path) > before)
                {
                    seen = clock.Elapsed.TotalSeconds;
                    break;
                }
                if (clock.Elapsed.TotalSeconds > options.TimeoutSeconds)
                {
                    throw new TimeoutException($"trial {i}: the dashboard did not move within {options.TimeoutSeconds} s");
                }
                await Task.Delay(options.PollMs);
            }
            var applied = await fact;
            await stop.CancelAsync();
            toDashboard.Add(seen);
            toFact.Add(applied);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  trial {i + 1,3}: fact applied {applied:F2} s, on the dashboard {seen:F2} s"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"freshness (s)",-34} {"n",4} {"p50",7} {"p95",7} {"max",7}"));
        Print("enrolment → fact row in analytics", toFact);
        Print("enrolment → dashboard figure", toDashboard);
        var late = toDashboard.Count(s => s > 10);
        Console.WriteLine(late == 0
            ? "target (visible within 10 s): met in every trial"
            : string.Create(CultureInfo.InvariantCulture, $"target (visible within 10 s): missed in {late} of {toDashboard.Count} trials"));
        return 0;
    }

    private static void Print(string name, List<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-34} {sorted.Length,4} {At(0.50),7:F2} {At(0.95),7:F2} {(sorted.Length == 0 ? double.NaN : sorted[^1]),7:F2}"));
    }

    /// <summary>Seconds on <paramref name="clock"/> when analytics' enrolments table has the row (polled every 20 ms).</summary>
    private async Task<double> WaitForFactAsync(NpgsqlDataSource analytics, Guid course, Guid learner, Stopwatch clock, CancellationToken stop)
    {
        await using var command = analytics.CreateCommand("SELECT EXISTS (SELECT 1 FROM enrolments WHERE course_id = $1 AND user_id = $2 AND enrolled_at IS NOT NULL)");
        command.Parameters.AddWithValue(course);
        command.Parameters.AddWithValue(learner);
        while (!stop.IsCancellationRequested && clock.Elapsed.TotalSeconds <= options.TimeoutSeconds)
        {
            if (await command.ExecuteScalarAsync(CancellationToken.None) is true)
            {
                return clock.Elapsed.TotalSeconds;
            }
            await Task.Delay(20, CancellationToken.None);
        }
        return double.NaN;
    }

    private static async Task<long> EnrolmentsAsync(HttpClient edge, SignedIn admin, string path)
    {
        var body = await SendAsync(edge, admin, HttpMethod.Get, path, HttpStatusCode.OK);
        return body.GetProperty("enrolments").GetInt64();
    }

    private static async Task<Guid> CreateCourseAsync(HttpClient edge, SignedIn owner, string title)
    {
        var course = (await SendAsync(edge, owner, HttpMethod.Post, "/api/content/courses", HttpStatusCode.Created, new { title })).GetProperty("id").GetGuid();
        var section = (await SendAsync(edge, owner, HttpMethod.Post, $"/api/content/courses/{course}/sections", HttpStatusCode.Created, new { title = "Part 1" }))
            .GetProperty("id").GetGuid();
        await SendAsync(edge, owner, HttpMethod.Post, $"/api/content/sections/{section}/materials", HttpStatusCode.Created,
            new { kind = "text", title = "Reading", body = "Read me." });
        await SendAsync(edge, owner, HttpMethod.Post, $"/api/content/courses/{course}/publish", HttpStatusCode.OK);
        return course;
    }

    private static async Task<JsonElement> SendAsync(HttpClient edge, SignedIn user, HttpMethod method, string path, HttpStatusCode expected, object? body = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
            using var response = await edge.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == expected)
            {
                return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            }
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromSeconds(1)); // the gateway's per-user limit
                continue;
            }
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        }
    }
}

internal sealed record FreshnessOptions(Uri Edge, Uri Auth, string Connection, string AdminPhone, int Trials, int PollMs, int TimeoutSeconds);
