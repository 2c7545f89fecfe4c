// Auth benchmark: refresh-token rotation and phone-code verification against a running auth host in Development
// (the dev SMS outbox supplies the codes). Prints p50/p95/p99, throughput and errors per scenario.
//
//   dotnet run -c Release --project tests/perf/AuthBench -- [URL] [SECONDS] [RATE_PER_SECOND] [CONCURRENCY] [SOURCE_ADDRESS]
//
// Run it on the host's machine, against the host's own port (not through the edge: /api/auth/* is limited per IP
// there). Each simulated client gets its own X-Forwarded-For address, which the host believes only from its trusted
// proxies (Auth:TrustedProxies): the benchmark connects from the gateway's local address, 127.0.0.10, as ./platform sets
// it (SOURCE_ADDRESS; "" connects from the system's choice). Sign-in, client addresses, pacing and percentiles: BenchKit.
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using BenchKit;

var url = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:8101");
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var rate = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
var concurrency = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 16;
var source = args.Length > 4 ? args[4] : BenchHttp.TrustedSourceAddress;

using var http = PhoneSignIn.CreateClient(concurrency * 2, source);
var run = Random.Shared.Next(1000, 9999);
var signIn = new PhoneSignIn(http, url, run);
var phoneCounter = 0;

Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, {url}, {seconds}s, target {rate} req/s, {concurrency} clients");

// Phone-code verification: codes are requested first (not measured), then verified at the target rate.
var codes = await PrepareCodesAsync(rate * seconds);
var verify = await MeasureAsync("phone verify (right code, new user)", codes.Count, async i =>
{
    var (phone, code) = codes[i];
    using var response = await signIn.VerifyAsync(phone, code, signIn.NextIp());
    return response.IsSuccessStatusCode;
});

// Refresh rotation: token chains, each request rotates its chain's current token. Enough chains that a chain's next
// request comes long after its previous answer (a chain is one client: it never refreshes twice at once).
var chainCount = Math.Max(concurrency, rate / 4);
var chains = new string[chainCount];
for (var i = 0; i < chainCount; i++)
{
    chains[i] = (await signIn.SignInAsync(NextPhone())).RefreshToken;
}
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
    using var request = signIn.Post("/api/auth/token/refresh", new { refresh_token = token }, null);
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
var refresh = await MeasureAsync("token refresh (rotation)", rate * seconds, rotate);
return verify && refresh ? 0 : 1;

// Open loop at `rate` per second (a slow server shows up as latency, not as a lower offered load), at most
// `concurrency * 4` in flight.
async Task<bool> MeasureAsync(string name, int count, Func<int, Task<bool>> send, bool print = true)
{
    var result = await OpenLoop.RunAsync(count, rate, concurrency * 4, send);
    if (print)
    {
        Console.WriteLine(result.Line(name));
    }
    return result.Errors == 0;
}

async Task<List<(string Phone, string Code)>> PrepareCodesAsync(int count)
{
    var phones = Enumerable.Range(0, count).Select(_ => NextPhone()).ToList();
    var result = new (string, string)[count];
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
    {
        await signIn.SendCodeAsync(phones[i], signIn.NextIp(), ct);
        result[i] = (phones[i], await signIn.LatestCodeAsync(phones[i], ct));
    });
    return [.. result];
}

string NextPhone() => string.Create(CultureInfo.InvariantCulture, $"+799{run:D4}{Interlocked.Increment(ref phoneCounter) % 10000:D4}");
