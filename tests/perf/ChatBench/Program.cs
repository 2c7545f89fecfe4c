// Chat benchmark: many WebSockets on the two chat nodes, senders posting over REST at a fixed rate; measures
// the handshake time, the fan-out latency (POST sent → message.created received on each socket) and delivered/expected.
//
//   tests/perf/chat [--scenario one|many|both] [--seconds 60] [--rate MSG_PER_S] [--sockets N] [--chats N]
//                   [--users 50] [--via gateway|direct] [--gateway URL] [--auth URL] [--nodes URL,URL]
//
// Scenario "one": 1,000 sockets in one chat, one sender at 10 messages/s. Scenario "many": 5,000 sockets over 100
// chats (50 each), 100 messages/s in all (one a second per chat), posted by every user in turn. --sockets, --chats
// and --rate override the chosen scenario's numbers.
//
// --via gateway (default): sockets and posts go through the gateway (it balances sockets over the chat nodes by open
// sockets), not through the edge: the local nginx edge has worker_connections 1024, fewer than 1,000 proxied sockets
// need. --via direct: sockets alternate between the nodes' own ports, posts go to the first node.
// Users sign in on auth's own port with the dev SMS outbox (each with its own X-Forwarded-For, as AuthBench does).
// Run it on the platform's machine: the driver, the gateway and both nodes share its cores.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;

var options = ParseArgs(args);
string Opt(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
int IntOpt(string name, int fallback) => int.Parse(Opt(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var scenario = Opt("scenario", "both");
var seconds = IntOpt("seconds", 60);
var userCount = IntOpt("users", 50);
var via = Opt("via", "gateway");
var gateway = new Uri(Opt("gateway", "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("CAMPUS_GATEWAY_PORT") ?? "8000")));
var auth = new Uri(Opt("auth", "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("CAMPUS_AUTH_PORT") ?? "8101")));
var nodes = Opt("nodes", "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("CAMPUS_CHAT_PORT") ?? "8105") + ",http://127.0.0.1:"
        + (Environment.GetEnvironmentVariable("CAMPUS_CHAT_2_PORT") ?? "8107"))
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url => new Uri(url)).ToArray();
if (via is not ("gateway" or "direct") || scenario is not ("one" or "many" or "both"))
{
    Console.Error.WriteLine("usage: see the head of tests/perf/ChatBench/Program.cs");
    return 2;
}

ThreadPool.SetMinThreads(Math.Max(64, Environment.ProcessorCount * 8), Math.Max(64, Environment.ProcessorCount * 8));
var run = Random.Shared.Next(1000, 9999);
var ipCounter = 0;
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 128, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    Timeout = TimeSpan.FromSeconds(30),
};
var restBase = via == "gateway" ? gateway : nodes[0];

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, via {via} ({(via == "gateway" ? gateway : string.Join(" + ", nodes.Select(n => n.Authority)))}), {userCount} users, {seconds} s per scenario"));

var signInClock = Stopwatch.StartNew();
var users = await SignInUsersAsync(userCount);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {users.Count} users signed in in {signInClock.Elapsed.TotalSeconds:F1} s"));

var ok = true;
if (scenario is "one" or "both")
{
    ok &= await RunScenarioAsync("one chat", IntOpt("sockets", 1000), IntOpt("chats", 1), IntOpt("rate", 10), senders: 1);
}
if (scenario is "many" or "both")
{
    ok &= await RunScenarioAsync("many chats", IntOpt("sockets", 5000), IntOpt("chats", 100), IntOpt("rate", 100), senders: users.Count);
}
return ok ? 0 : 1;

async Task<bool> RunScenarioAsync(string name, int socketCount, int chatCount, int rate, int senders)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"== {name}: {socketCount} sockets over {chatCount} chat(s), {rate} msg/s for {seconds} s, {Math.Min(senders, users.Count)} sender(s)"));

    // Chats: every user is a participant of every chat (so any socket may belong to any user).
    var chats = new List<string>();
    for (var c = 0; c < chatCount; c++)
    {
        chats.Add(await CreateChatAsync(users[0], [.. users.Skip(1)], $"bench {run} {name} {c}"));
    }

    // Sockets: socket i is in chat i % chatCount, of user i % users, on node i % nodes when direct.
    var sockets = new Receiver[socketCount];
    var connectMs = new double[socketCount];
    var connectFailures = new ConcurrentBag<string>();
    var connectClock = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, socketCount), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
    {
        var chatIndex = i % chatCount;
        var baseUri = via == "gateway" ? gateway : nodes[i % nodes.Length];
        var url = new UriBuilder(baseUri) { Scheme = "ws", Path = $"/ws/chats/{chats[chatIndex]}" }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("campus.v1");
        socket.Options.AddSubProtocol("bearer." + users[i % users.Count].Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await socket.ConnectAsync(url, ct);
            connectMs[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            sockets[i] = new Receiver(socket, chatIndex);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            connectMs[i] = double.NaN;
            connectFailures.Add($"{(int)socket.HttpStatusCode} {ex.Message}");
            socket.Dispose();
        }
    });
    var connectSeconds = connectClock.Elapsed.TotalSeconds;
    var open = sockets.Where(socket => socket is not null).ToList();
    var perChat = new int[chatCount];
    foreach (var socket in open)
    {
        perChat[socket.ChatIndex]++;
    }
    PrintLatencies($"connect ({open.Count}/{socketCount} open in {connectSeconds:F1} s, failed={connectFailures.Count})",
        [.. connectMs.Where(ms => !double.IsNaN(ms))]);
    foreach (var failure in connectFailures.GroupBy(f => f).Take(5))
    {
        Console.WriteLine($"   connect failure x{failure.Count()}: {failure.Key}");
    }
    Console.WriteLine("   sockets per node (established TCP connections into each node's port, incl. a few pooled HTTP ones): "
        + string.Join(", ", nodes.Select(node => $"{node.Authority}={EstablishedInto(node.Port)}")));

    // Posting: message k to chat k % chatCount, by sender k % senders, paced at `rate` per second (open loop).
    var total = rate * seconds;
    var sentAt = new long[total];
    var expected = new long[total];
    var postMs = new double[total];
    var postErrors = 0;
    var latencies = new ConcurrentQueue<double>();
    var deliveredCount = 0L;
    var duplicates = 0L;
    var receiving = open.Select(socket => socket.RunAsync(total, (k, at) =>
    {
        if (k < 0 || k >= total || sentAt[k] == 0)
        {
            return;
        }
        latencies.Enqueue(Stopwatch.GetElapsedTime(sentAt[k], at).TotalMilliseconds);
        Interlocked.Increment(ref deliveredCount);
    }, () => Interlocked.Increment(ref duplicates), run)).ToList();
    await Task.Delay(1000);

    var gate = new SemaphoreSlim(64);
    var posts = new List<Task>(total);
    var clock = Stopwatch.StartNew();
    for (var k = 0; k < total; k++)
    {
        var due = TimeSpan.FromSeconds((double)k / rate);
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }
        await gate.WaitAsync();
        var index = k;
        expected[index] = perChat[index % chatCount];
        posts.Add(Task.Run(async () =>
        {
            var sender = users[index % Math.Min(senders, users.Count)];
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(restBase, $"/api/chat/chats/{chats[index % chatCount]}/messages"))
            {
                Content = JsonContent.Create(new { body = $"bench message {index}", client_msg_id = $"{run}-{index}" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sender.Token);
            var started = Stopwatch.GetTimestamp();
            Volatile.Write(ref sentAt[index], started);
            try
            {
                using var response = await http.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref postErrors);
                    expected[index] = 0;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref postErrors);
                expected[index] = 0;
            }
            finally
            {
                postMs[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                gate.Release();
            }
        }));
    }
    await Task.WhenAll(posts);
    var postSeconds = clock.Elapsed.TotalSeconds;

    // Drain: wait until everything expected arrived, at most 10 s after the last post.
    var wanted = expected.Sum();
    var drainClock = Stopwatch.StartNew();
    while (Interlocked.Read(ref deliveredCount) < wanted && drainClock.Elapsed < TimeSpan.FromSeconds(10))
    {
        await Task.Delay(100);
    }
    var delivered = Interlocked.Read(ref deliveredCount);
    var closedEarly = open.Count(socket => socket.ClosedEarly);
    var closeReasons = open.Where(socket => socket.ClosedEarly).GroupBy(socket => socket.CloseReason).Select(g => $"{g.Key} x{g.Count()}");

    PrintLatencies($"post over REST ({total} in {postSeconds:F1} s, errors={postErrors})", postMs);
    PrintLatencies("fan-out post → message.created", [.. latencies]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"   delivered/expected = {delivered}/{wanted} ({(wanted == 0 ? 0 : 100.0 * delivered / wanted):F3} %), duplicates={Interlocked.Read(ref duplicates)}, sockets closed by the server={closedEarly} {string.Join(", ", closeReasons)}"));

    foreach (var socket in open)
    {
        socket.Dispose();
    }
    await Task.WhenAll(receiving);
    return connectFailures.IsEmpty && postErrors == 0 && delivered == wanted && closedEarly == 0;
}

static void PrintLatencies(string what, double[] values)
{
    if (values.Length == 0)
    {
        Console.WriteLine($"   {what}: no samples");
        return;
    }
    Array.Sort(values);
    double P(double p) => values[Math.Clamp((int)Math.Ceiling(p / 100 * values.Length) - 1, 0, values.Length - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"   {what}: n={values.Length} p50_ms={P(50):F2} p95_ms={P(95):F2} p99_ms={P(99):F2} max_ms={values[^1]:F2}"));
}

// Established TCP connections whose local port is `port` (the server side of each connection into a node), from
// /proc/net/tcp{,6}; -1 where that is not readable (not Linux).
static int EstablishedInto(int port)
{
    var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
    var count = 0;
    foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
    {
        if (!File.Exists(file))
        {
            return -1;
        }
        foreach (var line in File.ReadLines(file).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 3 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "01")
            {
                count++;
            }
        }
    }
    return count;
}

async Task<List<User>> SignInUsersAsync(int count)
{
    var result = new User[count];
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    {
        var phone = string.Create(CultureInfo.InvariantCulture, $"+799{run:D4}{i:D4}");
        var ip = NextIp();
        using (var sent = await http.SendAsync(Post(new Uri(auth, "/api/auth/phone/send-code"), new { phone }, ip), ct))
        {
            await EnsureAsync(sent, "send-code");
        }
        var outbox = await http.GetFromJsonAsync<JsonElement>(new Uri(auth, $"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}"), ct);
        var code = Regex.Match(outbox[outbox.GetArrayLength() - 1].GetProperty("text").GetString()!, @"\b\d{4,8}\b").Value;
        using var verified = await http.SendAsync(Post(new Uri(auth, "/api/auth/phone/verify"), new { phone, code }, ip), ct);
        await EnsureAsync(verified, "verify");
        var token = (await verified.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("access_token").GetString()!;
        var payload = Convert.FromBase64String(Pad(token.Split('.')[1].Replace('-', '+').Replace('_', '/')));
        result[i] = new User(JsonDocument.Parse(payload).RootElement.GetProperty("sub").GetString()!, token);
    });
    return [.. result];

    static string Pad(string base64) => base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
}

// Others are invited and join when they accept; chat learns new users from auth's events, so a fresh user may be
// unknown to it for a moment (422 unknown_users): the creation is retried.
async Task<string> CreateChatAsync(User owner, User[] participants, string title)
{
    string? chatId = null;
    for (var attempt = 0; chatId is null; attempt++)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(restBase, "/api/chat/chats"))
        {
            Content = JsonContent.Create(new { type = "group", title, participant_ids = participants.Select(p => p.Id).ToArray() }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        using var response = await http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.UnprocessableEntity && attempt < 50)
        {
            await Task.Delay(200);
            continue;
        }
        await EnsureAsync(response, "create chat");
        chatId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
    await Parallel.ForEachAsync(participants, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (participant, ct) =>
    {
        using var accept = new HttpRequestMessage(HttpMethod.Post, new Uri(restBase, $"/api/chat/chats/{chatId}/invitation/accept"));
        accept.Headers.Authorization = new AuthenticationHeaderValue("Bearer", participant.Token);
        using var accepted = await http.SendAsync(accept, ct);
        await EnsureAsync(accepted, "accept invitation");
    });
    return chatId;
}

static async Task EnsureAsync(HttpResponseMessage response, string what)
{
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

static HttpRequestMessage Post(Uri url, object body, string ip)
{
    var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
    request.Headers.Add("X-Forwarded-For", ip);
    return request;
}

// One address per user: auth limits code requests per client IP.
string NextIp()
{
    var n = Interlocked.Increment(ref ipCounter);
    return $"10.{run % 200}.{n / 250 % 250}.{n % 250 + 1}";
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        result[args[i].TrimStart('-')] = args[i + 1];
    }
    return result;
}

internal sealed record User(string Id, string Token);

/// <summary>One open socket: reads frames and reports each <c>message.created</c> of this run once, by message index.</summary>
internal sealed class Receiver(ClientWebSocket socket, int chatIndex) : IDisposable
{
    private bool _disposed;

    public int ChatIndex { get; } = chatIndex;

    public bool ClosedEarly { get; private set; }

    public string CloseReason { get; private set; } = "";

    public async Task RunAsync(int messages, Action<int, long> delivered, Action duplicate, int run)
    {
        var seen = new bool[messages];
        var prefix = $"{run}-";
        var buffer = new byte[16 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ClosedEarly = !_disposed;
                    CloseReason = $"{(int?)socket.CloseStatus} {socket.CloseStatusDescription}";
                    return;
                }
                frame.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }
                var at = Stopwatch.GetTimestamp();
                var index = CreatedIndex(frame.GetBuffer().AsSpan(0, (int)frame.Length), prefix);
                frame.SetLength(0);
                if (index < 0 || index >= messages)
                {
                    continue;
                }
                if (seen[index])
                {
                    duplicate();
                    continue;
                }
                seen[index] = true;
                delivered(index, at);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_disposed)
            {
                ClosedEarly = true;
                CloseReason = ex.GetType().Name;
            }
        }
    }

    /// <summary>The message index of a <c>message.created</c> frame of this run (client_msg_id "run-index"), else -1.</summary>
    private static int CreatedIndex(ReadOnlySpan<byte> json, string prefix)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (root.GetProperty("type").GetString() != "message.created"
            || !root.TryGetProperty("message", out var message)
            || !message.TryGetProperty("client_msg_id", out var id)
            || id.GetString() is not { } clientMsgId
            || !clientMsgId.StartsWith(prefix, StringComparison.Ordinal))
        {
            return -1;
        }
        return int.TryParse(clientMsgId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1;
    }

    public void Dispose()
    {
        _disposed = true;
        socket.Abort();
        socket.Dispose();
    }
}
