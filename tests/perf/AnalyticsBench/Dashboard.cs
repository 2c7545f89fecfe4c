using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace AnalyticsBench;

/// <summary>
/// Load of <c>GET /api/analytics/dashboard</c> through the edge (nginx → gateway → analytics), open loop: request n
/// starts at n / rate seconds whatever the earlier ones took; its latency is measured alone.
/// </summary>
/// <remarks>
/// Callers: the Development bootstrap admin plus --admins − 1 users made admins, and --managers users made managers of
/// <c>Department 01</c>, <c>02</c>, … (the seeder's departments). Several of each because the gateway lets one user make
/// 1,200 requests a minute. Users sign in on auth's own port from the gateway's address (127.0.0.10, a trusted proxy
/// there) with an X-Forwarded-For of their own, so auth's per-address limits see distinct clients; codes come from
/// auth's Development SMS outbox. A manager's department is set in profile (by the admin) and written into analytics'
/// users table directly (the seeded database is the benchmark's own), so the run does not wait for the event.
/// </remarks>
internal sealed class Dashboard(DashboardOptions options)
{
    private readonly int _run = Random.Shared.Next(1000, 9999);
    private int _ipCounter;

    public async Task<int> RunAsync()
    {
        ThreadPool.SetMinThreads(64, 64);
        using var edge = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = options.Edge,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var auth = new HttpClient(new SocketsHttpHandler { ConnectCallback = FromGatewayAddressAsync }) { BaseAddress = options.Auth };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, edge {options.Edge.Authority}; GET /api/analytics/dashboard at {options.Rate}/s for {options.Seconds} s (+{options.Warmup} s warm-up), {options.Admins} admins, {options.Managers} managers"));

        // ---- callers ----
        var clock = Stopwatch.StartNew();
        var admin = await SignInAsync(auth, options.AdminPhone);
        var callers = new List<Caller> { new(admin.Token, null, true) };
        for (var i = 1; i < options.Admins; i++)
        {
            var user = await SignInAsync(auth, Phone(i));
            await SetRolesAsync(edge, admin, user, ["student", "admin"]);
            callers.Add(new Caller(await RefreshAsync(auth, user), null, true));
        }
        await using var analytics = NpgsqlDataSource.Create(options.Connection);
        for (var i = 0; i < options.Managers; i++)
        {
            var department = string.Create(CultureInfo.InvariantCulture, $"Department {i % options.Departments + 1:00}");
            var user = await SignInAsync(auth, Phone(100 + i));
            await SetRolesAsync(edge, admin, user, ["student", "manager"]);
            // Profile creates the profile from auth's registration event: poll until it exists.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await TrySendAsync(edge, admin.Token, HttpMethod.Put, $"/api/profile/users/{user.Id}",
                new { display_name = $"Bench manager {i}", department }, HttpStatusCode.OK, retryOn: HttpStatusCode.NotFound))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"profile did not know user {user.Id} within 30 s");
                }
                await Task.Delay(200);
            }
            await using (var command = analytics.CreateCommand(
                """
                INSERT INTO users (user_id, department, roles, status) VALUES ($1, $2, ARRAY['student', 'manager'], 'active')
                ON CONFLICT (user_id) DO UPDATE SET department = EXCLUDED.department, roles = EXCLUDED.roles
                """))
            {
                command.Parameters.AddWithValue(user.Id);
                command.Parameters.AddWithValue(department);
                await command.ExecuteNonQueryAsync();
            }
            callers.Add(new Caller(await RefreshAsync(auth, user), department, false));
        }
        foreach (var caller in callers)
        {
            await SendAsync(edge, caller.Token, HttpMethod.Get, "/api/analytics/dashboard", null, HttpStatusCode.OK);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {callers.Count} callers ready in {clock.Elapsed.TotalSeconds:F1} s"));

        // ---- load ----
        await LoadAsync(edge, callers, options.Warmup, report: false);
        return await LoadAsync(edge, callers, options.Seconds, report: true) ? 0 : 1;
    }

    private async Task<bool> LoadAsync(HttpClient edge, List<Caller> callers, int seconds, bool report)
    {
        var latencies = new ConcurrentDictionary<string, ConcurrentBag<double>>();
        var errors = new ConcurrentDictionary<string, int>();
        var interval = TimeSpan.FromSeconds(1.0 / options.Rate);
        var total = options.Rate * seconds;
        var inflight = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        // Admins and managers alternate; an admin asks for everyone, or for one department every other time.
        var admins = callers.Where(c => c.IsAdmin).ToArray();
        var managers = callers.Where(c => !c.IsAdmin).ToArray();
        for (var n = 0; n < total; n++)
        {
            var wait = interval * n - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            var asAdmin = managers.Length == 0 || (admins.Length > 0 && n % 2 == 0);
            var caller = asAdmin ? admins[n / 2 % admins.Length] : managers[n / 2 % managers.Length];
            var (scenario, path) = !asAdmin
                ? ("manager, own department", "/api/analytics/dashboard")
                : n / 2 % 2 == 0
                    ? ("admin, everyone", "/api/analytics/dashboard")
                    : ("admin, one department", string.Create(CultureInfo.InvariantCulture,
                        $"/api/analytics/dashboard?department=Department%20{n / 4 % options.Departments + 1:00}"));
            inflight.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, path);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
                    using var response = await edge.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    var elapsed = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    latencies.GetOrAdd(scenario, _ => []).Add(elapsed);
                    latencies.GetOrAdd("all", _ => []).Add(elapsed);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        errors.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, c) => c + 1);
                    }
                }
                catch (Exception ex)
                {
                    errors.AddOrUpdate(ex.GetType().Name, 1, (_, c) => c + 1);
                }
            }));
        }
        await Task.WhenAll(inflight);
        var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (report)
        {
            foreach (var name in new[] { "all", "admin, everyone", "admin, one department", "manager, own department" })
            {
                if (latencies.TryGetValue(name, out var bag))
                {
                    Report(name, bag, name == "all" ? errors : new ConcurrentDictionary<string, int>(), wall);
                }
            }
        }
        return errors.IsEmpty;
    }

    private static void Report(string name, ConcurrentBag<double> latencies, ConcurrentDictionary<string, int> errors, double wall)
    {
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-24} {sorted.Length,6} requests in {wall:F1} s ({sorted.Length / wall:F1}/s), p50 {P(0.50):F1} ms, p95 {P(0.95):F1} ms, p99 {P(0.99):F1} ms, max {P(1):F1} ms{(name == "all" ? $", errors {(errors.IsEmpty ? "0" : string.Join(", ", errors.Select(e => $"{e.Key}×{e.Value}")))}" : "")}"));
    }

    private string Phone(int index) => string.Create(CultureInfo.InvariantCulture, $"+7996{_run % 1000:D3}{index:D4}");

    private async Task<User> SignInAsync(HttpClient auth, string phone)
    {
        var ip = NextIp();
        // A phone gets a new code at most every 30 s (the admin's phone is shared with earlier runs): wait it out.
        for (var attempt = 1; ; attempt++)
        {
            using var sent = await auth.SendAsync(Post("/api/auth/phone/send-code", new { phone }, ip));
            if (sent.StatusCode == HttpStatusCode.TooManyRequests && attempt < 4)
            {
                await Task.Delay((sent.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(10)) + TimeSpan.FromMilliseconds(200));
                continue;
            }
            await EnsureAsync(sent, "send-code");
            break;
        }
        var outbox = await auth.GetFromJsonAsync<JsonElement>($"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}");
        var code = Regex.Match(outbox[0].GetProperty("text").GetString()!, @"\b\d{4,8}\b").Value;
        using var verified = await auth.SendAsync(Post("/api/auth/phone/verify", new { phone, code }, ip));
        await EnsureAsync(verified, "verify");
        var tokens = await verified.Content.ReadFromJsonAsync<JsonElement>();
        var token = tokens.GetProperty("access_token").GetString()!;
        return new User(SubjectOf(token), token, tokens.GetProperty("refresh_token").GetString()!);
    }

    /// <summary>A new access token with the user's current roles (the old one stopped working when they changed).</summary>
    private async Task<string> RefreshAsync(HttpClient auth, User user)
    {
        using var response = await auth.SendAsync(Post("/api/auth/token/refresh", new { refresh_token = user.RefreshToken }, NextIp()));
        await EnsureAsync(response, "refresh");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static Task SetRolesAsync(HttpClient edge, User admin, User user, string[] roles) =>
        SendAsync(edge, admin.Token, HttpMethod.Put, $"/api/auth/users/{user.Id}/roles", new { roles }, HttpStatusCode.OK);

    private static async Task SendAsync(HttpClient edge, string token, HttpMethod method, string path, object? body, HttpStatusCode expected) =>
        await TrySendAsync(edge, token, method, path, body, expected, retryOn: null);

    /// <summary>False when the answer is <paramref name="retryOn"/>; throws on any other unexpected answer.</summary>
    private static async Task<bool> TrySendAsync(
        HttpClient edge, string token, HttpMethod method, string path, object? body, HttpStatusCode expected, HttpStatusCode? retryOn)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        using var response = await edge.SendAsync(request);
        if (response.StatusCode == expected)
        {
            return true;
        }
        if (response.StatusCode == retryOn)
        {
            return false;
        }
        throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {await response.Content.ReadAsStringAsync()}");
    }

    private static Guid SubjectOf(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.GetProperty("sub").GetGuid();
    }

    private string NextIp()
    {
        var n = Interlocked.Increment(ref _ipCounter);
        return string.Create(CultureInfo.InvariantCulture, $"10.{_run % 200 + 20}.{n / 250 % 250}.{n % 250 + 1}");
    }

    private static HttpRequestMessage Post(string path, object body, string ip)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", ip);
        return request;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string step)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{step} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Connects to auth from 127.0.0.10, the gateway's address, which auth trusts for X-Forwarded-For.</summary>
    private static async ValueTask<Stream> FromGatewayAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.10"), 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancel);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed record User(Guid Id, string Token, string RefreshToken);

    private sealed record Caller(string Token, string? Department, bool IsAdmin);
}

/// <summary>The dashboard load's settings (see the usage in Program.cs).</summary>
internal sealed record DashboardOptions(
    Uri Edge, Uri Auth, string Connection, string AdminPhone, int Rate, int Seconds, int Warmup, int Admins, int Managers, int Departments);
