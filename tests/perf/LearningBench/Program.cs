// Learning records benchmark, through the edge (nginx → gateway → content):
//
//   tests/perf/learning [--users 100] [--videos 10] [--rate 500] [--seconds 60] [--readers 20] [--enrolments 50]
//                       [--warmup 10] [--read-rate 200] [--read-seconds 30] [--edge URL] [--auth URL] [--auth-source 127.0.0.10]
//                       [--admin-phone +7…]
//
// 1. Heartbeats: 1,000 watchers = --users learners × --videos videos of one course (outside Development auth sends at
//    most 1,000 SMS an hour, so the set-up stays far below; the gateway allows a user 1,200 requests a minute, and a
//    user here sends 5 heartbeats a second; every watcher has its own progress row). Each watcher sends a heartbeat
//    every watchers/rate seconds (1,000 / 500 → every 2 s, 500 heartbeats/s in all, staggered), the position advancing
//    by exactly that interval from 0. Every heartbeat must answer 200. Afterwards each watcher's stored watched time
//    (GET /courses/{id}/progress through the edge) must equal what its acknowledged heartbeats imply: the merged
//    interval [first, last acknowledged position], [0, last] when none failed. The first --warmup seconds of heartbeats
//    (the same watchers at the same rate, their positions counted in the check) are not measured: a fresh host's code is
//    still being compiled to its optimised tier then.
// 2. My learning: --readers learners with --enrolments enrolments each (self enrolments in courses of one text
//    material, half of them done) are read with GET /me/learning at --read-rate requests/s in all. Several readers
//    because the gateway limits each user to 1,200 requests a minute.
// Arrivals are open-loop (each request starts at its scheduled time, whatever the previous ones took); latency is
// measured per request. Users sign in on auth's own port with the dev SMS outbox, each with its own X-Forwarded-For,
// connecting from the gateway's address 127.0.0.10 that auth trusts (--auth-source; BenchKit.PhoneSignIn); the courses
// are created by the Development bootstrap admin (+79000000000).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using BenchKit;

var options = new Options(args);
var userCount = options.Get("users", 100);
var videoCount = options.Get("videos", 10);
var learnerCount = userCount * videoCount; // watchers
var rate = options.Get("rate", 500);
var seconds = options.Get("seconds", 60);
var warmup = options.Get("warmup", 10);
var readerCount = options.Get("readers", 20);
var enrolmentCount = options.Get("enrolments", 50);
var readRate = options.Get("read-rate", 200);
var readSeconds = options.Get("read-seconds", 30);
var edge = new Uri(options.Get("edge", Environment.GetEnvironmentVariable("CAMPUS_EDGE_URL") ?? "http://127.0.0.1:8080"));
var auth = options.Local("auth", "CAMPUS_AUTH_PORT", 8101);
// Who creates the courses: the Development bootstrap admin, or (--admin-phone) any phone whose user has the author or admin role.
var adminPhone = options.Get("admin-phone", "+79000000000");

ThreadPool.SetMinThreads(Math.Max(64, Environment.ProcessorCount * 16), Math.Max(64, Environment.ProcessorCount * 16));
var run = Random.Shared.Next(1000, 9999);
using var http = BenchHttp.Create(512, TimeSpan.FromSeconds(30));
var edgeRequests = new EdgeRequests(http, edge);
using var authHttp = PhoneSignIn.CreateClient(16, options.Get("auth-source", BenchHttp.TrustedSourceAddress));
var signIn = new PhoneSignIn(authHttp, auth, run);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, edge {edge.Authority}; {learnerCount} watchers ({userCount} users × {videoCount} videos) at {rate} heartbeats/s for {seconds} s; {readerCount} readers × {enrolmentCount} enrolments at {readRate} req/s for {readSeconds} s"));

// ---- set-up ----
var clock = Stopwatch.StartNew();
string Phone(int i) => string.Create(CultureInfo.InvariantCulture, $"+7998{run % 1000:D3}{i:D4}");
var admin = await signIn.SignInAsync(adminPhone);
var learners = await signIn.SignInManyAsync(userCount, i => Phone(i));
var readers = await signIn.SignInManyAsync(readerCount, i => Phone(userCount + i));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {learners.Length + readers.Length + 1} users signed in in {clock.Elapsed.TotalSeconds:F1} s"));

clock.Restart();
var videoCourse = await edgeRequests.CreateCourseAsync(admin, $"Bench video {run}", videos: videoCount);
await Parallel.ForEachAsync(learners, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (learner, ct) =>
    await edgeRequests.SendAsync(learner, HttpMethod.Post, $"/api/content/courses/{videoCourse.CourseId}/enrolment", null, HttpStatusCode.Created));
// Watcher i: user i / videos, video i % videos.
SignedIn UserOf(int watcher) => learners[watcher / videoCount];
Guid VideoOf(int watcher) => videoCourse.MaterialIds[watcher % videoCount];
var readCourses = new List<(Guid CourseId, Guid MaterialId)>();
for (var i = 0; i < enrolmentCount; i++)
{
    var created = await edgeRequests.CreateCourseAsync(admin, $"Bench reading {run} #{i}", videos: 0);
    readCourses.Add((created.CourseId, created.MaterialIds[0]));
}
await Parallel.ForEachAsync(readers.SelectMany(r => readCourses.Select((c, i) => (Reader: r, Course: c, Done: i % 2 == 0))),
    new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, ct) =>
    {
        await edgeRequests.SendAsync(item.Reader, HttpMethod.Post, $"/api/content/courses/{item.Course.CourseId}/enrolment", null, HttpStatusCode.Created);
        if (item.Done)
        {
            await edgeRequests.SendAsync(item.Reader, HttpMethod.Post, $"/api/content/materials/{item.Course.MaterialId}/complete", null, HttpStatusCode.OK);
        }
    });
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# courses and enrolments set up in {clock.Elapsed.TotalSeconds:F1} s"));
await Quiet.WaitAndReportAsync("the set-up (its courses are announced to every contact by e-mail)");

// ---- 1. heartbeats ----
// Heartbeat n is watcher n % watchers' beat n / watchers: every watcher every watchers/rate seconds, staggered evenly.
var interval = (double)learnerCount / rate;
const double Duration = 3600;
var heartbeatErrors = new ConcurrentDictionary<string, int>();
// The first and last acknowledged position of each watcher: the first starts its cursor, each next one continues it.
var firstAcked = new double[learnerCount];
var lastAcked = new double[learnerCount];
Array.Fill(firstAcked, double.MaxValue);
Array.Fill(lastAcked, -1);
async Task<bool> HeartbeatAsync(int n)
{
    var i = n % learnerCount;
    var position = Math.Round(n / learnerCount * interval, 3); // the position advances as fast as time: played at 1×
    try
    {
        using var request = edgeRequests.Request(UserOf(i), HttpMethod.Post, $"/api/content/materials/{VideoOf(i)}/progress",
            new { position = position, duration = Duration });
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            CountError(heartbeatErrors, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            return false;
        }
        lock (lastAcked)
        {
            firstAcked[i] = Math.Min(firstAcked[i], position);
            lastAcked[i] = Math.Max(lastAcked[i], position);
        }
        return true;
    }
    catch (Exception ex)
    {
        CountError(heartbeatErrors, ex.GetType().Name);
        throw;
    }
}
var warm = await OpenLoop.RunAsync(rate * warmup, rate, maxInFlight: learnerCount, HeartbeatAsync);
Console.WriteLine(warm.Line("heartbeat, warm-up (not measured)") + Breakdown(heartbeatErrors));
LoadResult heartbeats;
using (var stalls = new DriverStalls())
{
    heartbeats = await OpenLoop.RunAsync(rate * seconds, rate, maxInFlight: learnerCount, n => HeartbeatAsync(n + rate * warmup));
    Console.WriteLine(heartbeats.Line("heartbeat POST /materials/{id}/progress") + Breakdown(heartbeatErrors));
    Console.WriteLine("# " + heartbeats.SlowestSeconds());
    Console.WriteLine("# " + stalls.Summary());
}

// Stored progress, read back through the API: exactly the merged interval [first, last acknowledged position] per watcher.
var mismatches = 0;
var checkedWatchers = 0;
await Parallel.ForEachAsync(Enumerable.Range(0, userCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (u, ct) =>
{
    var progress = await edgeRequests.SendAsync(learners[u], HttpMethod.Get, $"/api/content/courses/{videoCourse.CourseId}/progress", null, HttpStatusCode.OK);
    var stored = progress.GetProperty("materials").EnumerateArray()
        .ToDictionary(m => m.GetProperty("material_id").GetGuid(), m => m.GetProperty("watched_seconds").GetDouble());
    for (var v = 0; v < videoCount; v++)
    {
        var i = u * videoCount + v;
        var watched = stored[VideoOf(i)];
        var implied = lastAcked[i] < 0 ? 0 : lastAcked[i] - firstAcked[i];
        Interlocked.Increment(ref checkedWatchers);
        if (Math.Abs(watched - implied) > 0.001 && Interlocked.Increment(ref mismatches) <= 5)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# mismatch: watcher {i} stored {watched} s, heartbeats imply {implied} s"));
        }
    }
});
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stored progress: {checkedWatchers - mismatches}/{checkedWatchers} watchers exactly as the heartbeats imply"));

// ---- 2. my learning ----
// Readers in turn; a few seconds at the rate first, not measured (the endpoint's first calls compile and plan it).
var readErrors = new ConcurrentDictionary<string, int>();
var items = -1;
async Task<bool> ReadAsync(int n)
{
    try
    {
        using var request = edgeRequests.Request(readers[n % readers.Length], HttpMethod.Get, "/api/content/me/learning?limit=100", null);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            CountError(readErrors, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            return false;
        }
        Interlocked.CompareExchange(ref items, JsonDocument.Parse(body).RootElement.GetProperty("items").GetArrayLength(), -1);
        return true;
    }
    catch (Exception ex)
    {
        CountError(readErrors, ex.GetType().Name);
        throw;
    }
}
await OpenLoop.RunAsync(readRate * 3, readRate, maxInFlight: 512, ReadAsync);
readErrors.Clear();
var reads = await OpenLoop.RunAsync(readRate * readSeconds, readRate, maxInFlight: 512, ReadAsync);
Console.WriteLine(reads.Line($"my learning GET /me/learning ({items} items)") + Breakdown(readErrors));
return mismatches == 0 && warm.Errors == 0 && heartbeats.Errors == 0 && reads.Errors == 0 && items == enrolmentCount ? 0 : 1;

// ---- helpers ----
static void CountError(ConcurrentDictionary<string, int> errors, string kind) => errors.AddOrUpdate(kind, 1, (_, n) => n + 1);

static string Breakdown(ConcurrentDictionary<string, int> errors) =>
    errors.IsEmpty ? "" : " (" + string.Join(", ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}×{e.Value}")) + ")";

