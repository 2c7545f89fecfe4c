// Analytics benchmark tools (tests/perf/analytics runs them):
//
//   tests/perf/analytics seed [--connection CS] [--rows 1000000] [--courses 50] [--departments 20] [--materials 8]
//                             [--authors 10] [--days 365] [--activity 0.2] [--deliveries 200000]
//                             [--material-completions true] [--truncate] [--seed 0.42]
//       fills the fact tables of an analytics database (default: campus_analytics of the local platform, from
//       CAMPUS_POSTGRES_PORT) with --rows learner × course enrolments and what goes with them; see Seeder.cs.
//
//   tests/perf/analytics dashboard [--rate 50] [--seconds 30] [--warmup 5] [--admins 2] [--managers 3]
//                                  [--edge URL] [--auth URL] [--connection CS] [--admin-phone +79000000000]
//       GET /api/analytics/dashboard through the edge at --rate requests/s (open loop) for --seconds, half as admins
//       (everyone, or one department every other request), half as managers (their department); p50/p95/p99,
//       throughput, errors. See Dashboard.cs.
//
//   tests/perf/analytics reports [--scenario all|pdf,small,xlsx,bare,pair] (in this order) [--poll-ms 100] [--timeout 300]
//                                [--pdf-pages 50] [--small 30] [--small-rate 0.5] [--bare-dir /tmp]
//                                [--pid-file $CAMPUS_DATA_DIR/pids/analytics-worker.pid] [--edge URL] [--auth URL]
//                                [--connection CS] [--admin-phone +79000000000]
//       report requests through the edge as the bootstrap admin, polled until ready: the learner-progress XLSX of
//       everything (time, size, rows, the worker's peak RSS), the same rows written by bare SpreadCheetah to a local
//       file (ratio), two exports at once, a ~50-page PDF, small reports' p50/p95. See Reports.cs.
//
//   tests/perf/analytics freshness [--trials 20] [--poll-ms 100] [--timeout 60] [--edge URL] [--auth URL]
//                                  [--connection CS] [--admin-phone +79000000000]
//       a learner enrols in a course through the edge, then the dashboard (through the edge, as the bootstrap admin)
//       is polled until its enrolments figure moves; p50/p95/max over the trials, and when the fact row appeared in
//       analytics' database. See Freshness.cs.
using System.Globalization;
using AnalyticsBench;

if (args.Length == 0 || args[0] is not ("seed" or "dashboard" or "reports" or "freshness"))
{
    Console.Error.WriteLine("usage: tests/perf/analytics seed|dashboard|reports|freshness [--option value]... (see tests/perf/AnalyticsBench/Program.cs)");
    return 2;
}
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    var name = args[i].TrimStart('-');
    // A flag without a value (--truncate) is true.
    if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
    {
        options[name] = args[++i];
    }
    else
    {
        options[name] = "true";
    }
}
string Opt(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
int IntOpt(string name, int fallback) => int.Parse(Opt(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
double DoubleOpt(string name, double fallback) => double.Parse(Opt(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
bool BoolOpt(string name, bool fallback) => bool.Parse(Opt(name, fallback ? "true" : "false"));

var connection = Opt("connection",
    $"Host=127.0.0.1;Port={Environment.GetEnvironmentVariable("CAMPUS_POSTGRES_PORT") ?? "5433"};Database=campus_analytics;Username=campus");

if (args[0] == "seed")
{
    return await new Seeder(new SeedOptions(
        connection,
        Rows: IntOpt("rows", 1_000_000),
        Courses: IntOpt("courses", 50),
        Materials: IntOpt("materials", 8),
        Departments: IntOpt("departments", 20),
        Authors: IntOpt("authors", 10),
        Days: IntOpt("days", 365),
        ActivityRatio: DoubleOpt("activity", 0.2),
        Deliveries: IntOpt("deliveries", 200_000),
        MaterialCompletions: BoolOpt("material-completions", true),
        Truncate: BoolOpt("truncate", false),
        Seed: DoubleOpt("seed", 0.42))).RunAsync();
}

var edge = new Uri(Opt("edge", Environment.GetEnvironmentVariable("CAMPUS_EDGE_URL") ?? "http://127.0.0.1:8080"));
var auth = new Uri(Opt("auth", "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("CAMPUS_AUTH_PORT") ?? "8101")));
if (args[0] == "freshness")
{
    return await new Freshness(new FreshnessOptions(
        Edge: edge,
        Auth: auth,
        Connection: connection,
        AdminPhone: Opt("admin-phone", "+79000000000"),
        Trials: IntOpt("trials", 20),
        PollMs: IntOpt("poll-ms", 100),
        TimeoutSeconds: IntOpt("timeout", 60))).RunAsync();
}
if (args[0] == "reports")
{
    return await new Reports(new ReportsOptions(
        Edge: edge,
        Auth: auth,
        Connection: connection,
        AdminPhone: Opt("admin-phone", "+79000000000"),
        Scenarios: Opt("scenario", "all"),
        PidFile: Opt("pid-file", Path.Combine(Environment.GetEnvironmentVariable("CAMPUS_DATA_DIR") ?? ".data", "pids", "analytics-worker.pid")),
        BareDirectory: Opt("bare-dir", Path.GetTempPath()),
        PollMs: IntOpt("poll-ms", 100),
        TimeoutSeconds: IntOpt("timeout", 300),
        PdfPages: IntOpt("pdf-pages", 50),
        Small: IntOpt("small", 30),
        SmallRate: DoubleOpt("small-rate", 0.5))).RunAsync();
}

return await new Dashboard(new DashboardOptions(
    Edge: edge,
    Auth: auth,
    Connection: connection,
    AdminPhone: Opt("admin-phone", "+79000000000"),
    Rate: IntOpt("rate", 50),
    Seconds: IntOpt("seconds", 30),
    Warmup: IntOpt("warmup", 5),
    Admins: IntOpt("admins", 2),
    Managers: IntOpt("managers", 3),
    Departments: IntOpt("departments", 20))).RunAsync();
