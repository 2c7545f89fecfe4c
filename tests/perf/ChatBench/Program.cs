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
// Users sign in on auth's own port with the dev SMS outbox, each with its own X-Forwarded-For, connecting from the
// gateway's address 127.0.0.10 that auth trusts (BenchKit.PhoneSignIn, as AuthBench does).
// Run it on the platform's machine: the driver, the gateway and both nodes share its cores.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using BenchKit;

var options = new Options(args);
var scenario = options.Get("scenario", "both");
var seconds = options.Get("seconds", 60);
var userCount = options.Get("users", 50);
var via = options.Get("via", "gateway");
var gateway = options.Local("gateway", "CAMPUS_GATEWAY_PORT", 8000);
var auth = options.Local("auth", "CAMPUS_AUTH_PORT", 8101);
var nodes = options.Get("nodes", "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("CAMPUS_CHAT_PORT") ?? "8105") + ",http://127.0.0.1:"
        + (Environment.GetEnvironmentVariable("CAMPUS_CHAT_2_PORT") ?? "8107"))
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url => new Uri(url)).ToArray();
if (via is not ("gateway" or "direct") || scenario is not ("one" or "many" or "both"))
{
    Console.Error.WriteLine("usage: see the head of tests/perf/ChatBench/Program.cs");
    return 2;
}

ThreadPool.SetMinThreads(Math.Max(64, Environment.ProcessorCount * 8), Math.Max(64, Environment.ProcessorCount * 8));
var run = Random.Shared.Next(1000, 9999);
using var http = BenchHttp.Create(128, TimeSpan.FromSeconds(30));
using var authHttp = PhoneSignIn.CreateClient(16, options.Get("auth-source", BenchHttp.TrustedSourceAddress));
var signIn = new PhoneSignIn(authHttp, auth, run);
var restBase = via == "gateway" ? gateway : nodes[0];

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, via {via} ({(via == "gateway" ? gateway : string.Join(" + ", nodes.Select(n => n.Authority)))}), {userCount} users, {seconds} s per scenario"));

var signInClock = Stopwatch.StartNew();
var users = await signIn.SignInManyAsync(userCount, i => string.Create(CultureInfo.InvariantCulture, $"+799{run:D4}{i:D4}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {users.Length} users signed in in {signInClock.Elapsed.TotalSeconds:F1} s"));

var ok = true;
if (scenario is "one" or "both")
{
    ok &= await RunScenarioAsync("one chat", options.Get("sockets", 1000), options.Get("chats", 1), options.Get("rate", 10), senders: 1);
}
if (scenario is "many" or "both")
{
    ok &= await RunScenarioAsync("many chats", options.Get("sockets", 5000), options.Get("chats", 100), options.Get("rate", 100), senders: users.Length);
}
return ok ? 0 : 1;

async Task<bool> RunScenarioAsync(string name, int socketCount, int chatCount, int rate, int senders)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"== {name}: {socketCount} sockets over {chatCount} chat(s), {rate} msg/s for {seconds} s, {Math.Min(senders, users.Length)} sender(s)"));

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
        socket.Options.AddSubProtocol("bearer." + users[i % users.Length].AccessToken);
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
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"   connect ({open.Count}/{socketCount} open in {connectSeconds:F1} s, failed={connectFailures.Count}): {Latencies.Of(connectMs)}"));
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

    var posts = await OpenLoop.RunAsync(total, rate, maxInFlight: 64, async index =>
    {
        expected[index] = perChat[index % chatCount];
        var sender = users[index % Math.Min(senders, users.Length)];
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(restBase, $"/api/chat/chats/{chats[index % chatCount]}/messages"))
        {
            Content = JsonContent.Create(new { body = $"bench message {index}", client_msg_id = $"{run}-{index}" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sender.AccessToken);
        Volatile.Write(ref sentAt[index], Stopwatch.GetTimestamp());
        try
        {
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                expected[index] = 0;
            }
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            expected[index] = 0;
            return false;
        }
    });

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

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"   post over REST ({total} in {posts.Seconds:F1} s, errors={posts.Errors}): {posts.Latencies}"));
    Console.WriteLine($"   fan-out post → message.created: {Latencies.Of(latencies)}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"   delivered/expected = {delivered}/{wanted} ({(wanted == 0 ? 0 : 100.0 * delivered / wanted):F3} %), duplicates={Interlocked.Read(ref duplicates)}, sockets closed by the server={closedEarly} {string.Join(", ", closeReasons)}"));

    foreach (var socket in open)
    {
        socket.Dispose();
    }
    await Task.WhenAll(receiving);
    return connectFailures.IsEmpty && posts.Errors == 0 && delivered == wanted && closedEarly == 0;
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

// Others are invited and join when they accept; chat learns new users from auth's events, so a fresh user may be
// unknown to it for a moment (422 unknown_users): the creation is retried.
async Task<string> CreateChatAsync(SignedIn owner, SignedIn[] participants, string title)
{
    string? chatId = null;
    for (var attempt = 0; chatId is null; attempt++)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(restBase, "/api/chat/chats"))
        {
            Content = JsonContent.Create(new { type = "group", title, participant_ids = participants.Select(p => p.UserId).ToArray() }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.AccessToken);
        using var response = await http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.UnprocessableEntity && attempt < 50)
        {
            await Task.Delay(200);
            continue;
        }
        await BenchHttp.EnsureAsync(response, "create chat");
        chatId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
    await Parallel.ForEachAsync(participants, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (participant, ct) =>
    {
        using var accept = new HttpRequestMessage(HttpMethod.Post, new Uri(restBase, $"/api/chat/chats/{chatId}/invitation/accept"));
        accept.Headers.Authorization = new AuthenticationHeaderValue("Bearer", participant.AccessToken);
        using var accepted = await http.SendAsync(accept, ct);
        await BenchHttp.EnsureAsync(accepted, "accept invitation");
    });
    return chatId;
}

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
