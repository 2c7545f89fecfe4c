// The performance gate: every scenario of tests/perf/thresholds.json, open loop at its rate, judged against its limits.
//
//   ./platform perf [--seconds N] [--warmup N] [--only a,b] [--rate R] [--users 60] [--thresholds PATH]
//   ./platform perf --saturate course_list [--connections 64] [--seconds N]
//   ./platform perf --only course_list --cost content,gateway      # CPU ms and allocated KB per request of each host
//   ./platform perf --only course_list --edge http://127.0.0.1:8103 --path '/api/content/courses?limit=1' --cost content
//
// Against the running platform (./platform up; Development: the dev SMS outbox and the bootstrap admin +79000000000).
// sign_in and token_refresh go to auth's own port (the edge limits /api/auth/* per address), from the gateway's
// address 127.0.0.10 so that auth believes each simulated client's X-Forwarded-For (BenchKit.PhoneSignIn); everything
// else goes through the edge (nginx → gateway → service) with real tokens. Each run signs in its own users and makes its
// own courses and chats, so a run needs nothing but a platform that is up, fresh or not.
//
// Open loop: request i starts at i / rate seconds whatever the earlier ones took (a slow answer shows as latency, not
// as a lower offered load); the latency is the request's own (send → answer read), as k6's http_req_duration. Each
// scenario is warmed up (--warmup s at its rate, not measured) and then measured for --seconds. --rate replaces the
// file's rate (with --only: one scenario at another rate). --saturate: closed loop, --connections at once, as fast as
// they go: the throughput at saturation (printed, not judged).
//
// Prints a table (scenario, offered and done rate, p50/p95/p99, errors, threshold, result) and the line
// `perf gate: N passed, N failed`; exit status 1 when any scenario breached its limits, 2 when the set-up failed.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using BenchKit;

var options = new Options(args);
var thresholdsPath = options.Get("thresholds", GateThresholds.Find(AppContext.BaseDirectory));
var thresholds = GateThresholds.Load(thresholdsPath);
var seconds = options.Get("seconds", thresholds.Seconds);
var warmupSeconds = options.Get("warmup", thresholds.WarmupSeconds);
var only = options.Get("only", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var rateOverride = options.Get("rate", "") is { Length: > 0 } r ? double.Parse(r, CultureInfo.InvariantCulture) : (double?)null;
var saturate = options.Get("saturate", "");
var userCount = options.Get("users", 60);
var edge = new Uri(options.Get("edge", Environment.GetEnvironmentVariable("CAMPUS_EDGE_URL") ?? "http://127.0.0.1:8080"));
var auth = options.Local("auth", "CAMPUS_AUTH_PORT", 8101);
var adminPhone = options.Get("admin-phone", "+79000000000");
var costHosts = options.Get("cost", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
const int Videos = 5;
const int TextCourses = 5;
const int MessageChats = 10;

var unknown = only.Concat(saturate.Length > 0 ? [saturate] : []).Where(name => !thresholds.Scenarios.ContainsKey(name)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown scenario(s) {string.Join(", ", unknown)}; {thresholdsPath} has {string.Join(", ", thresholds.Scenarios.Keys)}");
    return 2;
}

ThreadPool.SetMinThreads(Math.Max(64, Environment.ProcessorCount * 16), Math.Max(64, Environment.ProcessorCount * 16));
var run = Random.Shared.Next(1000, 9999);
using var http = BenchHttp.Create(1024, TimeSpan.FromSeconds(10));
var edgeRequests = new EdgeRequests(http, edge);
using var authHttp = PhoneSignIn.CreateClient(256, options.Get("auth-source", BenchHttp.TrustedSourceAddress));
var signIn = new PhoneSignIn(authHttp, auth, run);
var phoneCounter = 0;

// --cost content,gateway: CPU and allocations per request of those hosts in each measured part (BenchKit.CostProbe).
var probes = new List<CostProbe>();
foreach (var host in costHosts)
{
    probes.Add(CostProbe.Of(host, http) ?? throw new InvalidOperationException($"--cost {host}: no pid file for it in $CAMPUS_DATA_DIR/pids"));
}
var costBefore = new Dictionary<string, (double CpuSeconds, double AllocatedBytes)>();
Func<Task>? probeStart = probes.Count == 0 ? null : async () =>
{
    foreach (var probe in probes)
    {
        costBefore[probe.Host] = await probe.ReadAsync();
    }
};
string NextPhone() => string.Create(CultureInfo.InvariantCulture, $"+7996{run:D4}{Interlocked.Increment(ref phoneCounter):D3}");

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"# perf gate {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}, {Environment.ProcessorCount} cores, load average {LoadAverage()}; edge {edge.Authority}, auth {auth.Authority}; {seconds} s per scenario after {warmupSeconds} s of warm-up; thresholds {thresholdsPath}"));

// ---- set-up, each piece made when a scenario first needs it ----
var setupClock = Stopwatch.StartNew();
var admin = Once(() => signIn.SignInAsync(adminPhone));
var users = Once(async () =>
{
    var signedIn = await signIn.SignInManyAsync(userCount, _ => NextPhone());
    Note($"{signedIn.Length} users signed in");
    return signedIn;
});
var courses = Once(async () =>
{
    var owner = await admin();
    var learners = await users();
    var video = await edgeRequests.CreateCourseAsync(owner, $"Perf gate video {run}", Videos);
    var texts = new List<Guid>();
    for (var i = 0; i < TextCourses; i++)
    {
        texts.Add((await edgeRequests.CreateCourseAsync(owner, $"Perf gate reading {run} #{i}", 0)).CourseId);
    }
    await Parallel.ForEachAsync(learners.SelectMany(l => texts.Append(video.CourseId).Select(c => (Learner: l, Course: c))),
        new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, _) =>
            await edgeRequests.SendAsync(item.Learner, HttpMethod.Post, $"/api/content/courses/{item.Course}/enrolment", null, HttpStatusCode.Created));
    Note($"{TextCourses + 1} courses, {learners.Length * (TextCourses + 1)} enrolments");
    return video;
});
var chats = Once(async () =>
{
    var members = await users();
    // Posts go to MessageChats group chats (user i in chat i % MessageChats): a chat's messages are numbered one after
    // another, so one chat takes its posts one at a time; traffic spread over chats is what a platform sees.
    var fanoutTask = CreateChatAsync(members[0], [.. members.Skip(1)], $"perf gate {run} fan-out");
    var messages = await Task.WhenAll(Enumerable.Range(0, MessageChats).Select(g =>
    {
        var group = members.Where((_, i) => i % MessageChats == g).ToArray();
        return CreateChatAsync(group[0], [.. group.Skip(1)], $"perf gate {run} messages {g}");
    }));
    var fanout = await fanoutTask;
    Note($"{MessageChats + 1} chats");
    return (Messages: messages, Fanout: fanout);
});

// ---- scenarios ----
var scenarios = new Dictionary<string, Func<ScenarioLimits, double, Task<GateResult>>>
{
    ["sign_in"] = SignInScenarioAsync,
    ["token_refresh"] = RefreshScenarioAsync,
    ["profile"] = (limits, rate) => ReadScenarioAsync("profile", limits, rate, "/api/profile"),
    ["course_list"] = (limits, rate) => ReadScenarioAsync("course_list", limits, rate, "/api/content/courses"),
    ["my_learning"] = (limits, rate) => ReadScenarioAsync("my_learning", limits, rate, "/api/content/me/learning"),
    ["heartbeat"] = HeartbeatScenarioAsync,
    ["post_message"] = PostMessageScenarioAsync,
    ["chat_fanout"] = FanoutScenarioAsync,
    ["report_ready"] = ReportScenarioAsync,
};
var missing = thresholds.Scenarios.Keys.Where(name => !scenarios.ContainsKey(name)).ToList();
if (missing.Count > 0)
{
    Console.Error.WriteLine($"{thresholdsPath} names scenario(s) this driver does not know: {string.Join(", ", missing)}");
    return 2;
}

if (saturate.Length > 0)
{
    return await SaturateAsync(saturate, options.Get("connections", 64));
}

var results = new List<GateResult>();
foreach (var (name, limits) in thresholds.Scenarios)
{
    if (only.Length > 0 && !only.Contains(name))
    {
        continue;
    }
    if (results.Count > 0)
    {
        await Task.Delay(TimeSpan.FromSeconds(1)); // what the previous scenario left queued drains first
    }
    try
    {
        var result = await scenarios[name](limits, rateOverride ?? limits.Rate);
        results.Add(result);
        Console.WriteLine(result.Load.Line($"{name} ({limits.Title})") + (result.Passed ? " pass" : " FAIL " + string.Join(",", result.Breaches)));
        if (probes.Count > 0 && name != "chat_fanout")
        {
            Console.WriteLine(await CostLineAsync(name, result.Requests));
        }
    }
    catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException or WebSocketException or JsonException)
    {
        Console.WriteLine($"{name}: set-up failed: {ex.Message}");
        Console.WriteLine($"perf gate: {results.Count(x => x.Passed)} passed, {results.Count(x => !x.Passed) + 1} failed (set-up of {name})");
        return 2;
    }
}
Console.WriteLine();
Console.Write(Gate.Table(results));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"# load average after: {LoadAverage()}; set-up and scenarios took {setupClock.Elapsed.TotalSeconds:F0} s"));
Console.WriteLine($"perf gate: {results.Count(x => x.Passed)} passed, {results.Count(x => !x.Passed)} failed");
return results.All(x => x.Passed) ? 0 : 1;

// ---- the scenarios ----

// Phone sign-in: codes requested beforehand (not measured), then each verified (a new user each) from its own address.
async Task<GateResult> SignInScenarioAsync(ScenarioLimits limits, double rate)
{
    var count = (int)Math.Ceiling(rate * (warmupSeconds + seconds));
    var codes = new (string Phone, string Code)[count];
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    {
        var phone = NextPhone();
        await signIn.SendCodeAsync(phone, signIn.NextIp(), ct);
        codes[i] = (phone, await signIn.LatestCodeAsync(phone, ct));
    });
    return await Gate.RunAsync("sign_in", limits, seconds, warmupSeconds, async i =>
    {
        using var response = await signIn.VerifyAsync(codes[i].Phone, codes[i].Code, signIn.NextIp());
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode == HttpStatusCode.OK;
    }, rate, beforeMeasured: probeStart);
}

// Refresh rotation: chains of tokens, each request rotates its chain's current one; a chain comes round again after
// about a second (a chain is one client: it never refreshes twice at once; still waiting counts as an error).
async Task<GateResult> RefreshScenarioAsync(ScenarioLimits limits, double rate)
{
    var chainCount = (int)Math.Max(16, Math.Ceiling(rate));
    var chains = (await signIn.SignInManyAsync(chainCount, _ => NextPhone())).Select(s => s.RefreshToken).ToArray();
    return await Gate.RunAsync("token_refresh", limits, seconds, warmupSeconds, async i =>
    {
        var chain = i % chainCount;
        var token = Interlocked.Exchange(ref chains[chain], "");
        if (token.Length == 0)
        {
            return false;
        }
        using var request = signIn.Post("/api/auth/token/refresh", new { refresh_token = token }, null);
        using var response = await authHttp.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        chains[chain] = body.GetProperty("refresh_token").GetString()!;
        return true;
    }, rate, beforeMeasured: probeStart);
}

// An authenticated GET through the edge by the users in turn (several: the gateway allows a user 1,200 requests a minute).
async Task<GateResult> ReadScenarioAsync(string name, ScenarioLimits limits, double rate, string path)
{
    var readers = await ReadersAsync(name, path);
    path = options.Get("path", path); // another GET in the same scenario (profiling: what one part of the path costs)
    return await Gate.RunAsync(name, limits, seconds, warmupSeconds, i => GetAsync(readers[i % readers.Length], path), rate,
        beforeMeasured: probeStart);
}

async Task<SignedIn[]> ReadersAsync(string name, string path)
{
    var readers = await users();
    if (name is "course_list" or "my_learning")
    {
        await courses();
    }
    if (name == "profile")
    {
        // A new user's profile is made from auth's event: wait until the last one answers.
        await WaitAsync(() => GetAsync(readers[^1], path), $"GET {path} of a new user");
    }
    return readers;
}

// Video heartbeats: users × videos watchers, each its own progress row, every watcher every watchers / rate seconds,
// the position advancing as fast as time (played at 1×), staggered evenly.
async Task<GateResult> HeartbeatScenarioAsync(ScenarioLimits limits, double rate)
{
    var video = await courses();
    var learners = await users();
    var watchers = learners.Length * Videos;
    var interval = watchers / rate;
    return await Gate.RunAsync("heartbeat", limits, seconds, warmupSeconds, async n =>
    {
        var w = n % watchers;
        var position = Math.Round(n / watchers * interval, 3);
        using var request = edgeRequests.Request(learners[w / Videos], HttpMethod.Post, $"/api/content/materials/{video.MaterialIds[w % Videos]}/progress",
            new { position, duration = 3600 });
        using var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode == HttpStatusCode.OK;
    }, rate, beforeMeasured: probeStart);
}

// A message posted over REST by the users in turn, each into its own group's chat (chat allows a user 30 messages in 10 s).
async Task<GateResult> PostMessageScenarioAsync(ScenarioLimits limits, double rate)
{
    var (messageChats, _) = await chats();
    var senders = await users();
    return await Gate.RunAsync("post_message", limits, seconds, warmupSeconds, async n =>
    {
        var sender = n % senders.Length;
        using var request = edgeRequests.Request(senders[sender], HttpMethod.Post, $"/api/chat/chats/{messageChats[sender % MessageChats]}/messages",
            new { body = $"perf gate message {n}", client_msg_id = $"{run}-p{n}" });
        using var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response.IsSuccessStatusCode;
    }, rate, beforeMeasured: probeStart);
}

// Chat fan-out: `sockets` listeners in one chat (through the edge, the users in turn), messages posted at the rate by the
// users in turn; the latency is post sent → message.created read, one sample per socket and message; a delivery missing
// 5 s after the last post (or a refused post, for every socket) is an error.
async Task<GateResult> FanoutScenarioAsync(ScenarioLimits limits, double rate)
{
    var (_, chat) = await chats();
    var members = await users();
    var socketCount = limits.Sockets ?? 100;
    var listeners = new Listener[socketCount];
    await Parallel.ForEachAsync(Enumerable.Range(0, socketCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("campus.v1");
        socket.Options.AddSubProtocol("bearer." + members[i % members.Length].AccessToken);
        await socket.ConnectAsync(new UriBuilder(edge) { Scheme = edge.Scheme == "https" ? "wss" : "ws", Path = $"/ws/chats/{chat}" }.Uri, ct);
        listeners[i] = new Listener(socket, $"{run}-f");
    });
    try
    {
        var warm = (int)Math.Ceiling(rate * warmupSeconds);
        var total = warm + (int)Math.Ceiling(rate * seconds);
        var sentAt = new long[total];
        var latencies = new ConcurrentQueue<double>();
        var delivered = 0;
        var receiving = listeners.Select(l => l.RunAsync((k, at) =>
        {
            if (k >= warm && k < total && Volatile.Read(ref sentAt[k]) is var sent and not 0)
            {
                latencies.Enqueue(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
                Interlocked.Increment(ref delivered);
            }
        })).ToList();
        var refused = 0;
        var clock = Stopwatch.StartNew();
        var posts = await OpenLoop.RunAsync(total, rate, 256, async k =>
        {
            using var request = edgeRequests.Request(members[k % members.Length], HttpMethod.Post, $"/api/chat/chats/{chat}/messages",
                new { body = $"perf gate fan-out {k}", client_msg_id = $"{run}-f{k}" });
            Volatile.Write(ref sentAt[k], Stopwatch.GetTimestamp());
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode && k >= warm)
            {
                Interlocked.Increment(ref refused);
            }
            return response.IsSuccessStatusCode;
        });
        var measured = total - warm;
        var expected = (measured - refused) * socketCount;
        var drain = Stopwatch.StartNew();
        while (Volatile.Read(ref delivered) < expected && drain.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
        }
        var lost = expected - Volatile.Read(ref delivered);
        var load = new LoadResult(Latencies.Of(latencies), lost + refused * socketCount, clock.Elapsed.TotalSeconds * measured / total);
        foreach (var listener in listeners)
        {
            listener.Dispose();
        }
        await Task.WhenAll(receiving);
        return new GateResult("chat_fanout", limits, rate, load, measured * socketCount);
    }
    finally
    {
        foreach (var listener in listeners)
        {
            listener?.Dispose();
        }
    }
}

// Report request → ready: the bootstrap admin asks for a small report and polls its status every 100 ms until ready
// (at most 4 in flight: a user may have 5 active requests); anything but ready within 30 s is an error.
async Task<GateResult> ReportScenarioAsync(ScenarioLimits limits, double rate)
{
    var owner = await admin();
    return await Gate.RunAsync("report_ready", limits, seconds, 0, async _ =>
    {
        using var post = edgeRequests.Request(owner, HttpMethod.Post, "/api/analytics/reports", new { type = "course_completion", format = "xlsx" });
        using var created = await http.SendAsync(post);
        if (!created.IsSuccessStatusCode)
        {
            return false;
        }
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
            using var get = edgeRequests.Request(owner, HttpMethod.Get, $"/api/analytics/reports/{id}", null);
            using var answer = await http.SendAsync(get);
            if (!answer.IsSuccessStatusCode)
            {
                return false;
            }
            var state = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString();
            if (state is "ready" or "failed" or "canceled")
            {
                return state == "ready";
            }
        }
        return false;
    }, rate, maxInFlight: 4, beforeMeasured: probeStart);
}

// Closed loop for the throughput at saturation: `connections` requests at once, each next one as soon as one answers.
async Task<int> SaturateAsync(string name, int connections)
{
    var path = name switch
    {
        "profile" => "/api/profile",
        "course_list" => "/api/content/courses",
        "my_learning" => "/api/content/me/learning",
        _ => null,
    };
    if (path is null)
    {
        Console.Error.WriteLine("--saturate takes profile, course_list or my_learning");
        return 2;
    }
    var readers = await ReadersAsync(name, path);
    path = options.Get("path", path);
    Console.WriteLine($"# {name}: {connections} connections, closed loop, {warmupSeconds} s warm-up then {seconds} s");
    foreach (var (phase, length) in new[] { ("warm-up", warmupSeconds), ("measured", seconds) })
    {
        var latencies = new ConcurrentQueue<double>();
        var errors = 0;
        var next = 0;
        var clock = Stopwatch.StartNew();
        var stop = TimeSpan.FromSeconds(length);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < stop)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await GetAsync(readers[Interlocked.Increment(ref next) % readers.Length], path);
                latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        if (phase == "measured")
        {
            Console.WriteLine(new LoadResult(Latencies.Of(latencies), errors, clock.Elapsed.TotalSeconds).Line($"{name} saturation ({connections} connections)"));
            if (probes.Count > 0)
            {
                Console.WriteLine(await CostLineAsync(name, latencies.Count));
            }
        }
        else if (probeStart is not null)
        {
            await probeStart();
        }
    }
    return 0;
}

// ---- helpers ----

async Task<string> CostLineAsync(string name, int requests)
{
    var parts = new List<string>();
    foreach (var probe in probes)
    {
        double cpu, allocated;
        try
        {
            (cpu, allocated) = await probe.ReadAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            parts.Add($"{probe.Host} unreadable ({ex.GetType().Name})");
            continue;
        }
        var (cpu0, allocated0) = costBefore[probe.Host];
        var part = string.Create(CultureInfo.InvariantCulture, $"{probe.Host} cpu_ms_per_request={(cpu - cpu0) * 1000 / requests:F3}");
        parts.Add(double.IsNaN(allocated) ? part
            : part + string.Create(CultureInfo.InvariantCulture, $" alloc_kb_per_request={(allocated - allocated0) / 1024 / requests:F1}"));
    }
    return $"   cost of {name} ({requests} requests): " + string.Join("; ", parts);
}

void Note(string what) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# set-up: {what} ({setupClock.Elapsed.TotalSeconds:F1} s)"));

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

static Func<Task<T>> Once<T>(Func<Task<T>> make)
{
    var lazy = new Lazy<Task<T>>(make);
    return () => lazy.Value;
}

async Task<bool> GetAsync(SignedIn user, string path)
{
    using var request = edgeRequests.Request(user, HttpMethod.Get, path, null);
    using var response = await http.SendAsync(request);
    await response.Content.LoadIntoBufferAsync();
    return response.StatusCode == HttpStatusCode.OK;
}

static async Task WaitAsync(Func<Task<bool>> ready, string what)
{
    var clock = Stopwatch.StartNew();
    while (!await ready())
    {
        if (clock.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new InvalidOperationException($"{what}: not ready after 30 s");
        }
        await Task.Delay(200);
    }
}

// A group chat of everyone: chat learns new users from auth's events (422 unknown_users until then: retried); the
// others are invited and join when they accept.
async Task<string> CreateChatAsync(SignedIn owner, SignedIn[] participants, string title)
{
    var chat = await edgeRequests.SendAsync(owner, HttpMethod.Post, "/api/chat/chats",
        new { type = "group", title, participant_ids = participants.Select(p => p.UserId).ToArray() }, HttpStatusCode.Created);
    var id = chat.GetProperty("id").GetString()!;
    await Parallel.ForEachAsync(participants, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (participant, _) =>
        await edgeRequests.SendAsync(participant, HttpMethod.Post, $"/api/chat/chats/{id}/invitation/accept", null, HttpStatusCode.OK));
    return id;
}

/// <summary>One open socket: reports each <c>message.created</c> whose client_msg_id is prefix + index, by index.</summary>
internal sealed class Listener(ClientWebSocket socket, string prefix) : IDisposable
{
    public async Task RunAsync(Action<int, long> delivered)
    {
        var buffer = new byte[16 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                frame.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }
                var at = Stopwatch.GetTimestamp();
                var index = CreatedIndex(frame.GetBuffer().AsSpan(0, (int)frame.Length));
                frame.SetLength(0);
                if (index >= 0)
                {
                    delivered(index, at);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // closed by Dispose, or by the server: the missing deliveries count as errors
        }
    }

    private int CreatedIndex(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.TryGetProperty("type", out var type) && type.ValueEquals("message.created")
            && root.TryGetProperty("message", out var message)
            && message.TryGetProperty("client_msg_id", out var id)
            && id.GetString() is { } clientMsgId
            && clientMsgId.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(clientMsgId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return index;
        }
        return -1;
    }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            socket.Abort();
            socket.Dispose();
        }
    }
}
