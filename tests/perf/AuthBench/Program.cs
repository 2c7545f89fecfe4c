// Auth benchmark: refresh-token rotation and phone-code verification against a running auth host in Development
// (the dev SMS outbox supplies the codes). Prints p50/p95/p99, throughput and errors per scenario.
//
//   dotnet run -c Release --project tests/perf/AuthBench -- [URL] [SECONDS] [RATE_PER_SECOND] [CONCURRENCY] [SOURCE_ADDRESS]
//
// Run it on the host's machine, against the host's own port (not through the edge: /api/auth/* is limited per IP
// there). Each simulated client gets its own X-Forwarded-For address, which the host believes only from its trusted
// proxies (Auth:TrustedProxies): the benchmark connects from the gateway's local address, 127.0.0.10, as ./platform sets
// it (SOURCE_ADDRESS; "" connects from the system's choice).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

var url = args.Length > 0 ? args[0] : "http://127.0.0.1:8101";
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var rate = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
var concurrency = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 16;

var source = args.Length > 4 ? args[4] : "127.0.0.10";

using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = concurrency * 2,
    ConnectCallback = source.Length == 0 ? null : async (context, cancel) =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancel);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    },
})
{
    BaseAddress = new Uri(url),
    Timeout = TimeSpan.FromSeconds(10),
};
var run = Random.Shared.Next(1000, 9999);
var ipCounter = 0;
var phoneCounter = 0;

Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, {url}, {seconds}s, target {rate} req/s, {concurrency} clients");

// Phone-code verification: codes are requested first (not measured), then verified at the target rate.
var codes = await PrepareCodesAsync(rate * seconds);
var verify = await MeasureAsync("phone verify (right code, new user)", codes.Count, async i =>
{
    var (phone, code) = codes[i];
    using var request = Post("/api/auth/phone/verify", new { phone, code }, NextIp());
    using var response = await http.SendAsync(request);
    return response.IsSuccessStatusCode;
});

// Refresh rotation: token chains, each request rotates its chain's current token. Enough chains that a chain's next
// request comes long after its previous answer (a chain is one client: it never refreshes twice at once).
var chainCount = Math.Max(concurrency, rate / 4);
var chains = new string[chainCount];
for (var i = 0; i < chainCount; i++)
{
    chains[i] = await SignInAsync();
}
var refreshes = rate * seconds;
Func<int, Task<bool>> rotate = async i =>
{
    var chain = i % chainCount;
    string token;
    lock (chains)
    {
        token = chains[chain];
        chains[chain] = "";
    }
    if (token.Length == 0)
    {
        return false; // the client's previous refresh has not answered yet: counted as an error (overload)
    }
    using var request = Post("/api/auth/token/refresh", new { refresh_token = token }, null);
    using var response = await http.SendAsync(request);
    if (!response.IsSuccessStatusCode)
    {
        return false;
    }
    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
    lock (chains)
    {
        chains[chain] = body.GetProperty("refresh_token").GetString()!;
    }
    return true;
};
await MeasureAsync("warm-up (refresh, not measured)", rate * 2, rotate, print: false);
var refresh = await MeasureAsync("token refresh (rotation)", refreshes, rotate);
return verify && refresh ? 0 : 1;

// Sends `count` requests paced at `rate` per second (open loop, so a slow server shows up as latency, not as a lower
// offered load), with at most `concurrency * 4` in flight.
async Task<bool> MeasureAsync(string name, int count, Func<int, Task<bool>> send, bool print = true)
{
    var latencies = new double[count];
    var errors = 0;
    var gate = new SemaphoreSlim(concurrency * 4);
    var clock = Stopwatch.StartNew();
    var tasks = new List<Task>(count);
    for (var i = 0; i < count; i++)
    {
        var due = TimeSpan.FromSeconds((double)i / rate);
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }
        await gate.WaitAsync();
        var index = i;
        tasks.Add(Task.Run(async () =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (!await send(index))
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (Exception)
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                gate.Release();
            }
        }));
    }
    await Task.WhenAll(tasks);
    var elapsed = clock.Elapsed.TotalSeconds;
    Array.Sort(latencies);
    double P(double p) => latencies[Math.Min(count - 1, (int)Math.Ceiling(p / 100 * count) - 1)];
    if (!print)
    {
        return true;
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-40} requests={count} duration_s={elapsed:F1} throughput_rps={count / elapsed:F0} p50_ms={P(50):F2} p95_ms={P(95):F2} p99_ms={P(99):F2} max_ms={latencies[^1]:F2} errors={errors}"));
    return errors == 0;
}

async Task<List<(string Phone, string Code)>> PrepareCodesAsync(int count)
{
    var phones = Enumerable.Range(0, count).Select(_ => NextPhone()).ToList();
    var result = new (string, string)[count];
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
    {
        var phone = phones[i];
        using (var request = Post("/api/auth/phone/send-code", new { phone }, NextIp()))
        using (var response = await http.SendAsync(request, ct))
        {
            response.EnsureSuccessStatusCode();
        }
        result[i] = (phone, await LatestCodeAsync(phone));
    });
    return [.. result];
}

async Task<string> SignInAsync()
{
    var phone = NextPhone();
    var ip = NextIp();
    using (var request = Post("/api/auth/phone/send-code", new { phone }, ip))
    using (var response = await http.SendAsync(request))
    {
        response.EnsureSuccessStatusCode();
    }
    var code = await LatestCodeAsync(phone);
    using var verifyRequest = Post("/api/auth/phone/verify", new { phone, code }, ip);
    using var verified = await http.SendAsync(verifyRequest);
    verified.EnsureSuccessStatusCode();
    return (await verified.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refresh_token").GetString()!;
}

async Task<string> LatestCodeAsync(string phone)
{
    var messages = await http.GetFromJsonAsync<JsonElement>($"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}");
    return Regex.Match(messages[0].GetProperty("text").GetString()!, @"\b\d{6}\b").Value;
}

HttpRequestMessage Post(string path, object body, string? ip)
{
    var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
    if (ip is not null)
    {
        request.Headers.Add("X-Forwarded-For", ip);
    }
    return request;
}

// One address per request: the per-IP limit (5 codes an hour) would otherwise be the thing measured.
string NextIp()
{
    var n = Interlocked.Increment(ref ipCounter);
    return $"10.{run % 200}.{n / 250 % 250}.{n % 250 + 1}";
}

string NextPhone() => string.Create(CultureInfo.InvariantCulture, $"+799{run:D4}{Interlocked.Increment(ref phoneCounter) % 10000:D4}");
