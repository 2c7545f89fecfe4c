using System.Diagnostics;
using System.Net;
using System.Text.Json;
using static Campus.E2E.Tests.LearningRecordsAcceptanceTests;

namespace Campus.E2E.Tests;

/// <summary>
/// The dashboards and rules of <c>deploy/observability</c> against the local Prometheus of <c>./platform up</c>: every
/// expression parses (promtool), Prometheus has loaded every rule group without an evaluation error, a short run of
/// real traffic through the edge (a chat message fanned out to a socket, an e-mail registration, a report, a transcode)
/// moves the series of each host it touches on their /metrics, and then every dashboard query, every recorded series
/// and every series selector of every alert returns data.
/// A panel whose query matches nothing fails here, not on an operator's screen.
/// </summary>
public sealed class ObservabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Series that exist only in a cluster, with the reason; every other selector must match on the platform.</summary>
    private static readonly Dictionary<string, string> ClusterOnly = new()
    {
        ["kube_"] = "kube-state-metrics (pods, deployments) runs in the cluster, not on the local platform",
    };

    private static Uri PrometheusUrl { get; } = new($"http://127.0.0.1:{(Environment.GetEnvironmentVariable("CAMPUS_PROMETHEUS_PORT") is { Length: > 0 } port ? port : "9090")}/");

    [Fact]
    public async Task Every_dashboard_query_and_rule_parses_is_loaded_and_returns_data_after_traffic()
    {
        var expressions = await ExpressionsAsync();
        Assert.Contains(expressions, e => e.Kind == "panel");
        Assert.Contains(expressions, e => e.Kind == "alert");

        // 1. Every expression and every query made of it parses.
        var ruleFile = Path.Combine(Path.GetTempPath(), $"campus-e2e-expressions-{Guid.NewGuid():N}.json");
        var rules = expressions.SelectMany(e => e.Queries.Prepend(e.Kind == "panel" ? e.Queries[0] : e.Expr))
            .Distinct().Select((expr, i) => new { record = $"campus_e2e_check:expr_{i}", expr }).ToArray();
        await File.WriteAllTextAsync(ruleFile, JsonSerializer.Serialize(new { groups = new[] { new { name = "e2e", rules } } }), Ct);
        try
        {
            var (exit, output, errors) = await RunAsync("promtool", ["check", "rules", ruleFile]);
            Assert.True(exit == 0, $"promtool refuses an expression:\n{output}{errors}");
        }
        finally
        {
            File.Delete(ruleFile);
        }

        // 2. The local Prometheus has loaded every rule of deploy/observability/rules, and none fails to evaluate.
        var loaded = await QueryJsonAsync("api/v1/rules");
        var ruleStates = loaded.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        var names = ruleStates.Select(r => r.GetProperty("name").GetString()).ToHashSet();
        Assert.All(expressions.Where(e => e.Kind is "record" or "alert"), e => Assert.Contains(e.Name, names));
        Assert.All(ruleStates, r => Assert.True(r.GetProperty("health").GetString() != "err",
            $"{r.GetProperty("name")}: {(r.TryGetProperty("lastError", out var error) ? error : "")}"));

        // 3. Traffic; each action moves its host's series on /metrics.
        var before = await Task.WhenAll(Moved.Select(m => HostMetrics.SumAsync(m.Hosts, m.Series, m.Labels)));
        await Task.WhenAll(ChatTrafficAsync(), MailTrafficAsync(), ReportTrafficAsync(), TranscodeTrafficAsync());
        var after = await Task.WhenAll(Moved.Select(m => HostMetrics.SumAsync(m.Hosts, m.Series, m.Labels)));
        Assert.All(Moved.Select((m, i) => (m, Before: before[i], After: after[i])), x => Assert.True(x.After > x.Before,
            $"{x.m.Series}{{{string.Join(",", x.m.Labels)}}} on {string.Join("+", x.m.Hosts)} did not move: {x.Before} → {x.After}"));

        // 4. Every query returns data (scraped every 5 s, rules evaluated every 5 s: allow a minute and a half).
        var pending = expressions
            .SelectMany(e => e.Queries.Select(q => (Expression: e, Query: q)))
            .Where(q => !ClusterOnly.Keys.Any(prefix => q.Query.StartsWith(prefix, StringComparison.Ordinal)))
            .ToList();
        var clock = Stopwatch.StartNew();
        while (pending.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            var still = new List<(Expression, string)>();
            foreach (var item in pending)
            {
                if (!await ReturnsDataAsync(item.Query))
                {
                    still.Add(item);
                }
            }
            pending = still;
            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            }
        }
        Assert.True(pending.Count == 0, "these queries return no data after the traffic run:\n" + string.Join("\n",
            pending.Select(p => $"  {p.Expression.Source} {p.Expression.Kind} \"{p.Expression.Name}\": {p.Query}")));
    }

    /// <summary>What the traffic run must move, read straight from the hosts' /metrics.</summary>
    private static readonly (string[] Hosts, string Series, string[] Labels)[] Moved =
    [
        (["chat", "chat-2"], "campus_chat_fanout_duration_seconds_count", []),
        (["notifications-worker"], "campus_notifications_deliveries_total", ["channel=\"email\"", "outcome=\"sent\""]),
        (["notifications-worker"], "campus_messaging_messages_processed_total", ["outcome=\"handled\""]),
        (["auth"], "campus_outbox_messages_published_total", []),
        (["analytics-worker"], "campus_reports_total", ["type=\"learner_progress\"", "format=\"xlsx\"", "outcome=\"done\""]),
        (["analytics-worker"], "campus_report_size_bytes_count", []),
        (["content-worker"], "campus_transcode_jobs_total", ["outcome=\"done\""]),
        (["content-worker"], "campus_transcode_duration_seconds_count", []),
    ];

    private static async Task ChatTrafficAsync()
    {
        var (alice, bob) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(alice, bob);
        using var socket = await ChatApi.ConnectAsync(bob, chatId);
        // The handshake answers before the socket joins its room: a message committed in between reaches the socket as
        // catch-up, not through the fan-out. Once a frame has arrived the socket is in the room, so the second goes through it.
        foreach (var body in (string[])["metrics (may be catch-up)", "metrics (fan-out)"])
        {
            var clientMsgId = Guid.NewGuid().ToString();
            await ChatApi.PostAsync(alice, chatId, body, clientMsgId);
            await ChatApi.ReceiveCreatedAsync(socket, clientMsgId);
        }
    }

    // An e-mail registration: auth's outbox, the notifications worker sends the confirmation (a delivery on the email channel).
    private static async Task MailTrafficAsync() => await NotificationsTests.RegisterConfirmedAsync(NotificationsTests.NewAddress());

    private static async Task ReportTrafficAsync()
    {
        var admin = await SignIn.AdminAsync();
        var manager = await SignIn.WithRolesAsync("student", "manager");
        await SetDepartmentAsync(admin, manager.UserId, "E2E metrics " + Guid.NewGuid().ToString("N")[..8]);
        // Analytics learns the department from profile's event: until it has, the manager's request is 403 department_unknown.
        var id = Guid.Empty;
        await Campus.Testing.Wait.UntilAsync(async () =>
        {
            using var requested = await Api.SendAsync(manager, HttpMethod.Post, "api/analytics/reports", new { type = "learner_progress", format = "xlsx" });
            if (requested.StatusCode == HttpStatusCode.Forbidden
                && Campus.Testing.Problems.Code(await requested.Content.ReadAsStringAsync()) == "department_unknown")
            {
                return false;
            }
            id = (await Api.ExpectAsync(requested, HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
            return true;
        });
        await Campus.Testing.Wait.UntilAsync(async () =>
        {
            using var status = await Api.SendAsync(manager, HttpMethod.Get, $"api/analytics/reports/{id}");
            var state = (await Api.ExpectAsync(status, HttpStatusCode.OK)).GetProperty("state").GetString();
            Assert.NotEqual("failed", state);
            return state == "ready";
        }, seconds: 60);
    }

    private static async Task TranscodeTrafficAsync()
    {
        var author = await SignIn.WithRolesAsync("author");
        var clip = await MediaTranscodeTests.ClipAsync(640, 360, seconds: 1);
        var mediaId = await MediaTranscodeTests.UploadAndCompleteAsync(author, clip, "metrics.mp4");
        await MediaTranscodeTests.WaitForAsync(author, mediaId, "ready", TimeSpan.FromMinutes(2));
    }

    private sealed record Expression(string Source, string Name, string Kind, string Expr, string[] Queries);

    /// <summary>Every expression, as <c>deploy/observability/expressions.mjs list</c> extracts it (the deploy check uses the same).</summary>
    private static async Task<List<Expression>> ExpressionsAsync()
    {
        var (exit, output, errors) = await RunAsync("node", [Path.Combine(Platform.Root, "deploy/observability/expressions.mjs"), "list"]);
        Assert.True(exit == 0, errors);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<Expression>(line, options)!)];
    }

    private static async Task<bool> ReturnsDataAsync(string query)
    {
        var data = await QueryJsonAsync("api/v1/query?query=" + Uri.EscapeDataString(query));
        return data.GetProperty("result") is { ValueKind: JsonValueKind.Array } result && result.GetArrayLength() > 0;
    }

    private static async Task<JsonElement> QueryJsonAsync(string pathAndQuery)
    {
        using var response = await Http.Client.GetAsync(new Uri(PrometheusUrl, pathAndQuery), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Prometheus answered {(int)response.StatusCode} to {pathAndQuery}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string executable, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
