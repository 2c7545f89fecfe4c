// Learning records benchmark, through the edge (nginx → gateway → content):
//
//   tests/perf/learning [--users 100] [--videos 10] [--rate 500] [--seconds 60] [--readers 20] [--enrolments 50]
//                       [--read-rate 200] [--read-seconds 30] [--edge URL] [--auth URL] [--admin-phone +7…]
//
// 1. Heartbeats: 1,000 watchers = --users learners × --videos videos of one course (auth sends at most 1,000 SMS an
//    hour, and the gateway allows a user 1,200 requests a minute, so 1,000 distinct sign-ins per run are not possible;
//    every watcher still has its own progress row). Each watcher sends a heartbeat every watchers/rate seconds
//    (1,000 / 500 → every 2 s, 500 heartbeats/s in all, staggered), the position advancing by exactly that interval
//    from 0. Every heartbeat must answer 200. Afterwards each watcher's stored watched time (GET /courses/{id}/progress)
//    must equal the last acknowledged position: the merged interval [0, last].
// 2. My learning: --readers learners with --enrolments enrolments each (self enrolments in courses of one text
//    material, half of them done) are read with GET /me/learning at --read-rate requests/s in all. Several readers
//    because the gateway limits each user to 1,200 requests a minute.
// Arrivals are open-loop (each request starts at its scheduled time, whatever the previous ones took); latency is
// measured per request. Users sign in on auth's own port with the dev SMS outbox (each with its own X-Forwarded-For);
// the course is created by the Development bootstrap admin (+79000000000).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

var options = ParseArgs(args);
string Opt(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
int IntOpt(string name, int fallback) => int.Parse(Opt(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var userCount = IntOpt("users", 100);
var videoCount = IntOpt("videos", 10);
var learnerCount = userCount * videoCount; // watchers
var rate = IntOpt("rate", 500);
var seconds = IntOpt("seconds", 60);
var readerCount = IntOpt("readers", 20);
var enrolmentCount = IntOpt("enrolments", 50);
var readRate = IntOpt("read-rate", 200);
var readSeconds = IntOpt("read-seconds", 30);
var edge = new Uri(Opt("edge", Environment.GetEnvironmentVariable("CAMPUS_EDGE_URL") ?? "http://127.0.0.1:8080"));
var auth = new Uri(Opt("auth", "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("CAMPUS_AUTH_PORT") ?? "8101")));
// Who creates the courses: the Development bootstrap admin, or (--admin-phone) any phone whose user has the author or admin role.
var adminPhone = Opt("admin-phone", "+79000000000");

ThreadPool.SetMinThreads(Math.Max(64, Environment.ProcessorCount * 16), Math.Max(64, Environment.ProcessorCount * 16));
var run = Random.Shared.Next(1000, 9999);
var ipCounter = 0;
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    Timeout = TimeSpan.FromSeconds(30),
};

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, edge {edge.Authority}; {learnerCount} watchers ({userCount} users × {videoCount} videos) at {rate} heartbeats/s for {seconds} s; {readerCount} readers × {enrolmentCount} enrolments at {readRate} req/s for {readSeconds} s"));

// ---- set-up ----
var clock = Stopwatch.StartNew();
var admin = await SignInAsync(adminPhone, 0);
var learners = await SignInManyAsync(userCount, offset: 0);
var readers = await SignInManyAsync(readerCount, offset: userCount);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {learners.Length + readers.Length + 1} users signed in in {clock.Elapsed.TotalSeconds:F1} s"));

clock.Restart();
var videoCourse = await CreateCourseAsync(admin, $"Bench video {run}", videos: videoCount);
await Parallel.ForEachAsync(learners, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (learner, ct) =>
    await SendAsync(learner, HttpMethod.Post, $"/api/content/courses/{videoCourse.CourseId}/enrolment", null, HttpStatusCode.Created));
// Watcher i: user i / videos, video i % videos.
User UserOf(int watcher) => learners[watcher / videoCount];
Guid VideoOf(int watcher) => videoCourse.MaterialIds[watcher % videoCount];
var readCourses = new List<(Guid CourseId, Guid MaterialId)>();
for (var i = 0; i < enrolmentCount; i++)
{
    var created = await CreateCourseAsync(admin, $"Bench reading {run} #{i}", videos: 0);
    readCourses.Add((created.CourseId, created.MaterialIds[0]));
}
await Parallel.ForEachAsync(readers.SelectMany(r => readCourses.Select((c, i) => (Reader: r, Course: c, Done: i % 2 == 0))),
    new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, ct) =>
    {
        await SendAsync(item.Reader, HttpMethod.Post, $"/api/content/courses/{item.Course.CourseId}/enrolment", null, HttpStatusCode.Created);
        if (item.Done)
        {
            await SendAsync(item.Reader, HttpMethod.Post, $"/api/content/materials/{item.Course.MaterialId}/complete", null, HttpStatusCode.OK);
        }
    });
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# courses and enrolments set up in {clock.Elapsed.TotalSeconds:F1} s"));

// ---- 1. heartbeats ----
var interval = TimeSpan.FromSeconds((double)learnerCount / rate);
var step = interval.TotalSeconds; // the position advances as fast as time: played at 1×
const double Duration = 3600;
var heartbeatLatencies = new ConcurrentBag<double>();
var heartbeatErrors = new ConcurrentDictionary<string, int>();
var lastAcked = new double[learnerCount];
Array.Fill(lastAcked, -1);
var start = Stopwatch.GetTimestamp();
await Task.WhenAll(Enumerable.Range(0, learnerCount).Select(async i =>
{
    var offset = interval * i / learnerCount; // staggered: an even arrival rate
    var beats = (int)Math.Floor((seconds - offset.TotalSeconds) / interval.TotalSeconds) + 1;
    for (var k = 0; k < beats; k++)
    {
        var due = offset + interval * k;
        var wait = due - Stopwatch.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
        var position = Math.Round(k * step, 3);
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var request = Request(UserOf(i), HttpMethod.Post, $"/api/content/materials/{VideoOf(i)}/progress",
                new { position_s = position, duration_s = Duration });
            using var response = await http.SendAsync(request);
            heartbeatLatencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                lastAcked[i] = position;
            }
            else
            {
                heartbeatErrors.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            }
        }
        catch (Exception ex)
        {
            heartbeatErrors.AddOrUpdate(ex.GetType().Name, 1, (_, n) => n + 1);
        }
    }
}));
var heartbeatWall = Stopwatch.GetElapsedTime(start).TotalSeconds;
Report("heartbeat POST /materials/{id}/progress", heartbeatLatencies, heartbeatErrors, heartbeatWall);

// Stored progress: exactly the merged interval [0, last acknowledged position] per watcher.
var mismatches = 0;
var checkedWatchers = 0;
await Parallel.ForEachAsync(Enumerable.Range(0, userCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (u, ct) =>
{
    var progress = await SendAsync(learners[u], HttpMethod.Get, $"/api/content/courses/{videoCourse.CourseId}/progress", null, HttpStatusCode.OK);
    var stored = progress.GetProperty("materials").EnumerateArray()
        .ToDictionary(m => m.GetProperty("material_id").GetGuid(), m => m.GetProperty("watched_s").GetDouble());
    for (var v = 0; v < videoCount; v++)
    {
        var i = u * videoCount + v;
        var watched = stored[VideoOf(i)];
        Interlocked.Increment(ref checkedWatchers);
        if (Math.Abs(watched - Math.Max(0, lastAcked[i])) > 0.001 && Interlocked.Increment(ref mismatches) <= 5)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# mismatch: watcher {i} stored {watched} s, heartbeats imply {lastAcked[i]} s"));
        }
    }
});
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stored progress: {checkedWatchers - mismatches}/{checkedWatchers} watchers exactly as the heartbeats imply"));

// ---- 2. my learning ----
var readLatencies = new ConcurrentBag<double>();
var readErrors = new ConcurrentDictionary<string, int>();
var readInterval = TimeSpan.FromSeconds(1.0 / readRate);
var total = readRate * readSeconds;
var items = -1;
start = Stopwatch.GetTimestamp();
var inflight = new List<Task>(total);
for (var n = 0; n < total; n++)
{
    var due = readInterval * n;
    var wait = due - Stopwatch.GetElapsedTime(start);
    if (wait > TimeSpan.FromMilliseconds(1))
    {
        await Task.Delay(wait);
    }
    var reader = readers[n % readers.Length];
    inflight.Add(Task.Run(async () =>
    {
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var request = Request(reader, HttpMethod.Get, "/api/content/me/learning", null);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            readLatencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                readErrors.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, c) => c + 1);
            }
            else if (items < 0)
            {
                items = JsonDocument.Parse(body).RootElement.GetProperty("items").GetArrayLength();
            }
        }
        catch (Exception ex)
        {
            readErrors.AddOrUpdate(ex.GetType().Name, 1, (_, c) => c + 1);
        }
    }));
}
await Task.WhenAll(inflight);
Report($"my learning GET /me/learning ({items} enrolments)", readLatencies, readErrors, Stopwatch.GetElapsedTime(start).TotalSeconds);
return mismatches == 0 && heartbeatErrors.IsEmpty && readErrors.IsEmpty ? 0 : 1;

// ---- helpers ----
static void Report(string name, ConcurrentBag<double> latencies, ConcurrentDictionary<string, int> errors, double wall)
{
    var sorted = latencies.Order().ToArray();
    double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name}: {sorted.Length} requests in {wall:F1} s ({sorted.Length / wall:F0}/s), p50 {P(0.50):F2} ms, p95 {P(0.95):F2} ms, p99 {P(0.99):F2} ms, max {P(1):F2} ms, errors {(errors.IsEmpty ? "0" : string.Join(", ", errors.Select(e => $"{e.Key}×{e.Value}")))}"));
}

HttpRequestMessage Request(User user, HttpMethod method, string path, object? body)
{
    var request = new HttpRequestMessage(method, new Uri(edge, path));
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
    if (body is not null)
    {
        request.Content = JsonContent.Create(body);
    }
    return request;
}

async Task<JsonElement> SendAsync(User user, HttpMethod method, string path, object? body, HttpStatusCode expected)
{
    for (var attempt = 1; ; attempt++)
    {
        using var request = Request(user, method, path, body);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == expected)
        {
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 20)
        {
            await Task.Delay(TimeSpan.FromSeconds(1)); // the gateway's per-user limit during set-up
            continue;
        }
        throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
    }
}

async Task<(Guid CourseId, Guid[] MaterialIds)> CreateCourseAsync(User owner, string title, int videos)
{
    var course = (await SendAsync(owner, HttpMethod.Post, "/api/content/courses", new { title }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
    var section = (await SendAsync(owner, HttpMethod.Post, $"/api/content/courses/{course}/sections", new { title = "Part 1" }, HttpStatusCode.Created))
        .GetProperty("id").GetGuid();
    var ids = new List<Guid>();
    for (var v = 0; v < Math.Max(1, videos); v++)
    {
        object material;
        if (videos > 0)
        {
            // A registered upload is enough for a material; the player reports the duration.
            var upload = await SendAsync(owner, HttpMethod.Post, "/api/content/media/upload-url",
                new { filename = "bench.mp4", content_type = "video/mp4", size = 1024 }, HttpStatusCode.OK);
            material = new { kind = "video", title = $"Lecture {v}", media_id = upload.GetProperty("media_id").GetGuid() };
        }
        else
        {
            material = new { kind = "text", title = "Reading", body = "Read me." };
        }
        ids.Add((await SendAsync(owner, HttpMethod.Post, $"/api/content/sections/{section}/materials", material, HttpStatusCode.Created))
            .GetProperty("id").GetGuid());
    }
    await SendAsync(owner, HttpMethod.Post, $"/api/content/courses/{course}/publish", null, HttpStatusCode.OK);
    return (course, [.. ids]);
}

async Task<User[]> SignInManyAsync(int count, int offset)
{
    var result = new User[count];
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        result[i] = await SignInAsync(string.Create(CultureInfo.InvariantCulture, $"+7998{run % 1000:D3}{offset + i:D4}"), i + offset + 1));
    return result;
}

async Task<User> SignInAsync(string phone, int index)
{
    var ip = NextIp();
    // A phone gets a new code at most every 30 s (the admin's phone is shared with earlier runs): wait it out.
    for (var attempt = 1; ; attempt++)
    {
        using var sent = await http.SendAsync(Post(new Uri(auth, "/api/auth/phone/send-code"), new { phone }, ip));
        if (sent.StatusCode == HttpStatusCode.TooManyRequests && attempt < 4)
        {
            await Task.Delay((sent.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(10)) + TimeSpan.FromMilliseconds(200));
            continue;
        }
        await EnsureAsync(sent, "send-code");
        break;
    }
    var outbox = await http.GetFromJsonAsync<JsonElement>(new Uri(auth, $"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}"));
    // Newest first (auth's README).
    var code = Regex.Match(outbox[0].GetProperty("text").GetString()!, @"\b\d{4,8}\b").Value;
    using var verified = await http.SendAsync(Post(new Uri(auth, "/api/auth/phone/verify"), new { phone, code }, ip));
    await EnsureAsync(verified, "verify");
    var token = (await verified.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    return new User(index, token);
}

string NextIp()
{
    var n = Interlocked.Increment(ref ipCounter);
    return string.Create(CultureInfo.InvariantCulture, $"10.{(run % 200) + 20}.{n / 250 % 250}.{n % 250 + 1}");
}

static HttpRequestMessage Post(Uri url, object body, string ip)
{
    var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
    request.Headers.Add("X-Forwarded-For", ip);
    return request;
}

static async Task EnsureAsync(HttpResponseMessage response, string step)
{
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{step} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
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

internal sealed record User(int Index, string Token);
