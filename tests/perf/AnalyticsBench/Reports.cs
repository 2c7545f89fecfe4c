using System.Diagnostics;
using System.Drawing;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BenchKit;
using Campus.Analytics.Reports;
using Npgsql;
using NpgsqlTypes;
using SpreadCheetah;
using SpreadCheetah.Styling;
using SpreadCheetah.Worksheets;

namespace AnalyticsBench;

/// <summary>
/// Report benchmarks through the edge (nginx → gateway → analytics → RabbitMQ → report worker → S3), as the
/// Development bootstrap admin, on the seeded data set (<c>seed</c> first):
/// <list type="bullet">
/// <item><c>xlsx</c>: the learner-progress XLSX of everything (1,000,000 rows) — request → ready, file size, rows, the
/// worker's peak RSS and CPU time;</item>
/// <item><c>bare</c>: the same query read with a plain <see cref="NpgsqlDataReader"/> and written by SpreadCheetah to a
/// local file (same columns and cell types), timed in this process, and the ratio worker / bare;</item>
/// <item><c>pair</c>: two such exports requested at once — both times and the worker's peak RSS during both;</item>
/// <item><c>pdf</c>: a learner-progress PDF of one department sized to about --pdf-pages pages — time and peak RSS;</item>
/// <item><c>small</c>: --small requests for reports under 10,000 rows (a department's course completion, a department's
/// learners of one course, a department's enrolments of the last 45 days; XLSX) paced open-loop at --small-rate per
/// second with at most 4 in flight (the per-user limit of active requests is 5) — p50/p95 request → ready.</item>
/// </list>
/// "Request → ready" is the client's: from just before the <c>POST</c> to the first status poll answering
/// <c>ready</c> (polled every --poll-ms); the server's own <c>created_at → finished_at</c> is printed beside it.
/// Peak RSS: the worker's <c>VmHWM</c> (<c>/proc/PID/status</c>), reset before each scenario by writing 5 to
/// <c>/proc/PID/clear_refs</c> (the kernel's reset of the peak), the pid read from the platform's pid file; VmRSS is
/// also sampled every 20 ms as a check.
/// </summary>
internal sealed class Reports(ReportsOptions options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private HttpClient _edge = null!;
    private string _token = null!;
    private bool _ok = true;

    public async Task<int> RunAsync()
    {
        var scenarios = options.Scenarios.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (scenarios.Contains("all"))
        {
            scenarios = ["pdf", "small", "xlsx", "bare", "pair"];
        }
        var worker = WorkerProcess.Find(options.PidFile);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Environment.ProcessorCount} cores, load average {Load()}, edge {options.Edge.Authority}, worker pid {worker.Pid} (VmHWM reset: {(worker.CanReset ? "yes" : "no, peak since start")}), scenarios {string.Join(",", scenarios)}"));

        _edge = BenchHttp.Create(16, TimeSpan.FromSeconds(60), baseAddress: options.Edge);
        using (var auth = PhoneSignIn.CreateClient(4))
        {
            var signIn = new PhoneSignIn(auth, options.Auth, Random.Shared.Next(100, 199));
            _token = (await signIn.SignInAsync(options.AdminPhone)).AccessToken;
        }
        await using var db = NpgsqlDataSource.Create(options.Connection);
        var enrolments = await ScalarAsync<long>(db, "SELECT count(*) FROM enrolments");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# enrolments {enrolments:N0}; admin signed in"));

        // In the order given: the worker's heap grows with a 1M-row export and is not all given back, so the PDF and the
        // small reports come first in "all" (their peak is then theirs, not the big export's leftover).
        double? workerSeconds = null;
        foreach (var scenario in scenarios)
        {
            switch (scenario)
            {
                case "xlsx":
                    {
                        var run = await MeasureAsync(worker, () => RequestAsync(new { type = "learner_progress", format = "xlsx" }, options.PollMs));
                        workerSeconds = run.Results[0].ClientSeconds;
                        Print("xlsx learner_progress, everything", run, targetSeconds: 10, targetMiB: 256);
                        break;
                    }
                case "bare":
                    {
                        var bare = await BareAsync(db);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{"bare SpreadCheetah → local file",-40} time_s={bare.Seconds:F2} rows={bare.Rows} size_bytes={bare.Size} ({bare.Size / 1048576.0:F1} MiB) driver_cpu_s={bare.CpuSeconds:F2} driver_peak_rss_mib={bare.PeakMiB:F0}{(workerSeconds is { } w ? $" ratio_worker_over_bare={w / bare.Seconds:F2}" : "")}"));
                        break;
                    }
                case "pair":
                    {
                        var run = await MeasureAsync(worker, async () =>
                        {
                            var both = await Task.WhenAll(
                                RequestAsync(new { type = "learner_progress", format = "xlsx" }, options.PollMs * 2),
                                RequestAsync(new { type = "learner_progress", format = "xlsx", locale = "en" }, options.PollMs * 2));
                            return both.SelectMany(r => r).ToArray();
                        });
                        Print("xlsx learner_progress ×2 at once", run, targetSeconds: null, targetMiB: 512);
                        break;
                    }
                case "pdf":
                    {
                        var (department, from, rows) = await PdfRangeAsync(db);
                        var run = await MeasureAsync(worker, () => RequestAsync(new
                        {
                            type = "learner_progress", format = "pdf",
                            @params = new { department, from = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
                        }, options.PollMs));
                        var pages = await PdfPagesAsync(run.Results[0].Id);
                        Print(string.Create(CultureInfo.InvariantCulture, $"pdf learner_progress, {department} since {from:yyyy-MM-dd} (~{rows} rows)"), run,
                            targetSeconds: 2, targetMiB: 150, extra: $" pages={pages}");
                        break;
                    }
                case "small":
                    await SmallAsync(worker);
                    break;
                default:
                    throw new ArgumentException($"unknown scenario '{scenario}' (xlsx, bare, pair, pdf, small, all)");
            }
        }
        Console.WriteLine($"# load average {Load()}");
        return _ok ? 0 : 1;
    }

    // ---- one request: POST, poll until ready ----

    private async Task<Result[]> RequestAsync(object body, int pollMs)
    {
        var started = Stopwatch.GetTimestamp();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/analytics/reports") { Content = JsonContent.Create(body) };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var created = await _edge.SendAsync(post);
        await BenchHttp.EnsureAsync(created, "POST /api/analytics/reports");
        var id = (await created.Content.ReadFromJsonAsync<Status>(Json))!.Id;
        while (true)
        {
            await Task.Delay(pollMs);
            using var get = new HttpRequestMessage(HttpMethod.Get, $"/api/analytics/reports/{id}");
            get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            using var answer = await _edge.SendAsync(get);
            if (answer.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(answer.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }
            await BenchHttp.EnsureAsync(answer, $"GET /api/analytics/reports/{id}");
            var status = (await answer.Content.ReadFromJsonAsync<Status>(Json))!;
            if (status.State is "ready" or "failed" or "canceled")
            {
                var client = Stopwatch.GetElapsedTime(started).TotalSeconds;
                if (status.State != "ready")
                {
                    _ok = false;
                    Console.WriteLine($"! report {id} ended {status.State}: {status.Error}");
                }
                return [new Result(id, status.State, client, (status.FinishedAt - status.CreatedAt)?.TotalSeconds ?? double.NaN,
                    (status.FinishedAt - status.StartedAt)?.TotalSeconds ?? double.NaN, status.SizeBytes ?? 0, status.RowCount ?? 0, status.Attempts)];
            }
            if (Stopwatch.GetElapsedTime(started).TotalSeconds > options.TimeoutSeconds)
            {
                _ok = false;
                Console.WriteLine($"! report {id} still {status.State} ({status.Progress} %) after {options.TimeoutSeconds} s");
                return [new Result(id, status.State, double.NaN, double.NaN, double.NaN, 0, 0, status.Attempts)];
            }
        }
    }

    private async Task<Run> MeasureAsync(WorkerProcess worker, Func<Task<Result[]>> scenario)
    {
        worker.ResetPeak();
        var cpuBefore = worker.CpuSeconds();
        var loadBefore = Load();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            long max = 0;
            while (!sampling.IsCancellationRequested)
            {
                max = Math.Max(max, worker.RssKiB());
                try
                {
                    await Task.Delay(20, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return max;
        });
        var results = await scenario();
        await sampling.CancelAsync();
        var sampled = await sampler;
        return new Run(results, worker.PeakKiB() / 1024.0, sampled / 1024.0, worker.CpuSeconds() - cpuBefore, loadBefore, Load());
    }

    private void Print(string name, Run run, double? targetSeconds, double targetMiB, string extra = "")
    {
        foreach (var r in run.Results)
        {
            var holds = targetSeconds is not { } t || r.ClientSeconds < t;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-40} state={r.State} request_to_ready_s={r.ClientSeconds:F2}{(targetSeconds is { } ts ? $" (target < {ts} s: {(holds ? "holds" : "MISSED")})" : "")} server_created_to_finished_s={r.ServerSeconds:F2} server_started_to_finished_s={r.RunSeconds:F2} rows={r.Rows} size_bytes={r.Size} ({r.Size / 1048576.0:F1} MiB) attempts={r.Attempts}{extra}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-40} worker_peak_rss_mib={run.PeakMiB:F0} (sampled max {run.SampledMiB:F0}; target < {targetMiB}: {(run.PeakMiB < targetMiB ? "holds" : "MISSED")}) worker_cpu_s={run.CpuSeconds:F2} load_average {run.LoadBefore} → {run.LoadAfter}"));
    }

    // ---- bare library ----

    /// <summary>
    /// The learner-progress query of everything (the catalog's SQL, parameters null) read with a plain data reader and
    /// written by SpreadCheetah to a local file: same nine columns, same cell types and styles (state as its Russian
    /// label, fraction as a percentage, times converted to Moscow time), one sheet (1,000,000 rows fit in one).
    /// </summary>
    private async Task<BareResult> BareAsync(NpgsqlDataSource db)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow");
        var labels = new Dictionary<string, string>
        {
            ["not_started"] = "Не начат", ["in_progress"] = "В процессе", ["completed"] = "Завершён", ["overdue"] = "Просрочен",
        };
        var path = Path.Combine(options.BareDirectory, $"bare-learner-progress-{Environment.ProcessId}.xlsx");
        var self = WorkerProcess.Self();
        self.ResetPeak();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long rows = 0;
        await using (var connection = await db.OpenConnectionAsync())
        await using (var command = new NpgsqlCommand(ReportCatalog.Find(ReportCatalog.LearnerProgress)!.Sql, connection) { CommandTimeout = 0 })
        {
            command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("from_day", NpgsqlDbType.Date) { Value = DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("to_day", NpgsqlDbType.Date) { Value = DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("department", NpgsqlDbType.Text) { Value = DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("course", NpgsqlDbType.Uuid) { Value = DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = DateTime.UtcNow });
            await using var reader = await command.ExecuteReaderAsync();
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
            await using var spreadsheet = await Spreadsheet.CreateNewAsync(file,
                new SpreadCheetahOptions { CompressionLevel = SpreadCheetahCompressionLevel.Fastest, BufferSize = 64 * 1024 });
            var sheet = new WorksheetOptions { FrozenRows = 1, AutoFilter = new AutoFilterOptions("A1:I1048576") };
            var header = spreadsheet.AddStyle(new Style { Font = { Bold = true }, Fill = { Color = Color.FromArgb(0xFF, 0xDD, 0xE6, 0xF0) } });
            var dateTime = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom("dd.mm.yyyy hh:mm") });
            var percent = spreadsheet.AddStyle(new Style { Format = NumberFormat.Standard(StandardNumberFormat.Percent) });
            await spreadsheet.StartWorksheetAsync("Данные", sheet);
            await spreadsheet.AddRowAsync(new[] { "Слушатель", "E-mail", "Подразделение", "Курс", "Состояние", "Прогресс", "Записан", "Срок", "Завершён" }
                .Select(h => new Cell(h, header)).ToArray());
            var cells = new Cell[9];
            Cell Time(int i) => reader.IsDBNull(i)
                ? new Cell((string?)null)
                : new Cell(TimeZoneInfo.ConvertTimeFromUtc(reader.GetFieldValue<DateTime>(i), zone), dateTime);
            Cell Text(int i) => reader.IsDBNull(i) ? new Cell((string?)null) : new Cell(reader.GetString(i));
            while (await reader.ReadAsync())
            {
                cells[0] = Text(0);
                cells[1] = Text(1);
                cells[2] = Text(2);
                cells[3] = Text(3);
                cells[4] = new Cell(labels[reader.GetString(4)]);
                cells[5] = new Cell(reader.GetDouble(5), percent);
                cells[6] = Time(6);
                cells[7] = Time(7);
                cells[8] = Time(8);
                await spreadsheet.AddRowAsync(cells);
                rows++;
            }
            await spreadsheet.FinishAsync();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var size = new FileInfo(path).Length;
        File.Delete(path);
        return new BareResult(seconds, rows, size, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, self.PeakKiB() / 1024.0);
    }

    // ---- PDF of about N pages ----

    /// <summary>
    /// A department and a first enrolment day (Moscow, the admin's default zone) giving about --pdf-pages pages: a page
    /// of A4 landscape holds (595 − 2 × 36 margin − 18 footer) / 14 ≈ 36 rows of 14 pt, the header row among them, so 35
    /// data rows; the first page loses 7 rows to the title and parameters, and the summary chart (5 bars) takes about 10
    /// rows' height at the end.
    /// </summary>
    private async Task<(string Department, DateOnly From, long Rows)> PdfRangeAsync(NpgsqlDataSource db)
    {
        var target = options.PdfPages * 35 - 7 - 10;
        const string department = "Department 01";
        await using var command = db.CreateCommand("""
            SELECT (e.enrolled_at AT TIME ZONE 'Europe/Moscow')::date AS day, count(*)
            FROM enrolments e JOIN users u ON u.user_id = e.user_id
            WHERE u.department = $1
            GROUP BY 1 ORDER BY 1 DESC
            """);
        command.Parameters.AddWithValue(department);
        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0;
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        while (rows < target && await reader.ReadAsync())
        {
            day = reader.GetFieldValue<DateOnly>(0);
            rows += reader.GetInt64(1);
        }
        return (department, day, rows);
    }

    private async Task<string> PdfPagesAsync(Guid id)
    {
        try
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, $"/api/analytics/reports/{id}/download?redirect=false");
            get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            using var answer = await _edge.SendAsync(get);
            await BenchHttp.EnsureAsync(answer, "download");
            var url = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
            using var plain = new HttpClient();
            var bytes = await plain.GetByteArrayAsync(url);
            var text = System.Text.Encoding.Latin1.GetString(bytes);
            return Regex.Count(text, @"/Type\s*/Page(?![s\w])").ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception ex)
        {
            return $"? ({ex.GetType().Name}: {ex.Message})";
        }
    }

    // ---- small reports ----

    private async Task SmallAsync(WorkerProcess worker)
    {
        var since = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-45)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        object Body(int i)
        {
            var department = string.Create(CultureInfo.InvariantCulture, $"Department {i % 20 + 1:00}");
            return (i % 3) switch
            {
                0 => new { type = "course_completion", format = "xlsx", @params = (object)new { department } },
                1 => new
                {
                    type = "learner_progress", format = "xlsx",
                    @params = (object)new { department, course_id = string.Create(CultureInfo.InvariantCulture, $"20000000-0000-4000-8000-{i % 50 + 1:x12}") },
                },
                _ => new { type = "learner_progress", format = "xlsx", @params = (object)new { department, from = since } },
            };
        }
        var all = new Result[options.Small];
        var run = await MeasureAsync(worker, async () =>
        {
            var load = await OpenLoop.RunAsync(options.Small, options.SmallRate, maxInFlight: 4, async i =>
            {
                all[i] = (await RequestAsync(Body(i), 250))[0];
                return all[i].State == "ready";
            });
            Console.WriteLine(load.Line("small reports (request → ready)"));
            return all;
        });
        var kinds = new[] { "course_completion, a department", "learner_progress, a department × a course", "learner_progress, a department, 45 days" };
        for (var k = 0; k < 3; k++)
        {
            var mine = all.Where((_, i) => i % 3 == k).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {kinds[k],-44} n={mine.Length} rows={mine.Min(r => r.Rows)}–{mine.Max(r => r.Rows)} client {Latencies.Of(mine.Select(r => r.ClientSeconds * 1000))} server_run {Latencies.Of(mine.Select(r => r.RunSeconds * 1000))}"));
        }
        var latencies = Latencies.Of(all.Select(r => r.ClientSeconds * 1000));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"small reports",-40} p50_s={latencies.P50 / 1000:F2} p95_s={latencies.P95 / 1000:F2} max_s={latencies.Max / 1000:F2} (target p95 < 5 s: {(latencies.P95 < 5000 ? "holds" : "MISSED")}) server_created_to_finished {Latencies.Of(all.Select(r => r.ServerSeconds * 1000))} worker_peak_rss_mib={run.PeakMiB:F0} worker_cpu_s={run.CpuSeconds:F2} load_average {run.LoadBefore} → {run.LoadAfter}"));
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed record Status(Guid Id, string State, int Progress, int Attempts, long? SizeBytes, long? RowCount, string? Error,
        DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

    private sealed record Result(Guid Id, string State, double ClientSeconds, double ServerSeconds, double RunSeconds, long Size, long Rows, int Attempts);

    private sealed record Run(Result[] Results, double PeakMiB, double SampledMiB, double CpuSeconds, string LoadBefore, string LoadAfter);

    private sealed record BareResult(double Seconds, long Rows, long Size, double CpuSeconds, double PeakMiB);
}

/// <summary>The running report worker, found through the platform's pid file (or this process, for the baseline).</summary>
internal sealed class WorkerProcess
{
    private static readonly long TicksPerSecond = 100; // USER_HZ on Linux

    private WorkerProcess(int pid) => Pid = pid;

    public int Pid { get; }

    public bool CanReset { get; private set; }

    /// <summary>This driver's own process (the bare baseline's memory).</summary>
    public static WorkerProcess Self() => new(Environment.ProcessId);

    public static WorkerProcess Find(string pidFile)
    {
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        if (!cmdline.Contains("Campus.Analytics.Worker", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"pid {pid} from {pidFile} is not the analytics worker: {cmdline}");
        }
        var worker = new WorkerProcess(pid);
        worker.ResetPeak();
        return worker;
    }

    /// <summary>Resets VmHWM to the current RSS (<c>echo 5 &gt; /proc/PID/clear_refs</c>).</summary>
    public void ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{Pid}/clear_refs", "5");
            CanReset = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CanReset = false;
        }
    }

    public long PeakKiB() => StatusKiB("VmHWM:");

    public long RssKiB() => StatusKiB("VmRSS:");

    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)TicksPerSecond;
    }

    private long StatusKiB(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}

/// <summary>The report benchmarks' settings (see the usage in Program.cs).</summary>
internal sealed record ReportsOptions(
    Uri Edge, Uri Auth, string Connection, string AdminPhone, string Scenarios, string PidFile, string BareDirectory, int PollMs,
    int TimeoutSeconds, int PdfPages, int Small, double SmallRate);
