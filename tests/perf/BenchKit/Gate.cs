using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BenchKit;

/// <summary>
/// The limits of one scenario of the performance gate, as written in <c>tests/perf/thresholds.json</c> (the k6 scripts
/// under <c>tests/perf/k6/</c> read the same file): the offered rate (requests a second, open loop), the p95 and p99
/// limits and the highest share of errors. <c>measured</c> is prose: the figures the limits were set from;
/// <c>sockets</c>: the chat fan-out's listeners.
/// </summary>
public sealed record ScenarioLimits(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("rate")] double Rate,
    [property: JsonPropertyName("p95_ms")] double P95Ms,
    [property: JsonPropertyName("p99_ms")] double P99Ms,
    [property: JsonPropertyName("max_error_rate")] double MaxErrorRate,
    [property: JsonPropertyName("measured")] string? Measured = null,
    [property: JsonPropertyName("sockets")] int? Sockets = null);

/// <summary>The thresholds file: the default duration and warm-up of every scenario, and each scenario's limits (in the order run).</summary>
public sealed record GateThresholds(
    [property: JsonPropertyName("seconds")] int Seconds,
    [property: JsonPropertyName("warmup_seconds")] int WarmupSeconds,
    [property: JsonPropertyName("scenarios")] Dictionary<string, ScenarioLimits> Scenarios)
{
    public static GateThresholds Load(string path) =>
        JsonSerializer.Deserialize<GateThresholds>(File.ReadAllText(path))
        ?? throw new InvalidDataException($"{path} is empty");

    /// <summary><c>tests/perf/thresholds.json</c>, looked up from <paramref name="start"/> upwards.</summary>
    public static string Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "perf", "thresholds.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"tests/perf/thresholds.json not found above {start}");
    }
}

/// <summary>
/// One scenario's measured figures against its limits. <paramref name="Attempts"/>: what the error share is of, when not
/// every attempt has a latency (the chat fan-out's deliveries: a lost one has none); by default every request has one,
/// failed or not.
/// </summary>
public sealed record GateResult(string Name, ScenarioLimits Limits, double OfferedRate, LoadResult Load, int? Attempts = null)
{
    public int Requests => Attempts ?? Load.Latencies.Count;

    public double ErrorRate => Requests == 0 ? 1 : (double)Load.Errors / Requests;

    /// <summary>What breached, empty when the scenario passed.</summary>
    public IReadOnlyList<string> Breaches
    {
        get
        {
            var breaches = new List<string>();
            if (Requests == 0)
            {
                breaches.Add("no requests");
                return breaches;
            }
            if (!(Load.Latencies.P95 < Limits.P95Ms))
            {
                breaches.Add("p95");
            }
            if (!(Load.Latencies.P99 < Limits.P99Ms))
            {
                breaches.Add("p99");
            }
            if (!(ErrorRate < Limits.MaxErrorRate))
            {
                breaches.Add("errors");
            }
            return breaches;
        }
    }

    public bool Passed => Breaches.Count == 0;
}

/// <summary>The performance gate: runs a scenario open-loop at its rate and judges it; prints the table.</summary>
public static class Gate
{
    /// <summary>
    /// Warm-up (not measured) then <paramref name="seconds"/> at the scenario's rate. Request i of the measured part is
    /// <paramref name="send"/>(offset + i), the warm-up's are numbered before it, so a scenario whose requests must differ
    /// (a heartbeat's position, a refresh token) sees one sequence. At most <paramref name="maxInFlight"/> in flight
    /// (default: ten seconds' worth): beyond that the server is so far behind that the scenario fails anyway.
    /// </summary>
    /// <remarks><paramref name="beforeMeasured"/>: called after the warm-up, just before the measured part (a cost probe).</remarks>
    public static async Task<GateResult> RunAsync(string name, ScenarioLimits limits, int seconds, int warmupSeconds,
        Func<int, Task<bool>> send, double? rate = null, int? maxInFlight = null, Func<Task>? beforeMeasured = null)
    {
        var r = rate ?? limits.Rate;
        var inFlight = maxInFlight ?? (int)Math.Max(64, r * 10);
        var warmup = (int)Math.Round(r * warmupSeconds);
        if (warmup > 0)
        {
            await OpenLoop.RunAsync(warmup, r, inFlight, send);
        }
        if (beforeMeasured is not null)
        {
            await beforeMeasured();
        }
        var count = Math.Max(1, (int)Math.Ceiling(r * seconds));
        var load = await OpenLoop.RunAsync(count, r, inFlight, i => send(warmup + i));
        return new GateResult(name, limits, r, load);
    }

    /// <summary>The table: scenario, offered and achieved rate, p50/p95/p99, errors, the limits, pass or FAIL (and what breached).</summary>
    public static string Table(IEnumerable<GateResult> results)
    {
        var rows = new List<string[]>
        {
            new[] { "scenario", "rate/s", "done/s", "requests", "p50 ms", "p95 ms", "p99 ms", "errors", "threshold", "result" },
        };
        foreach (var r in results)
        {
            rows.Add(
            [
                r.Name,
                Number(r.OfferedRate),
                Number(r.Load.Throughput),
                r.Requests.ToString(CultureInfo.InvariantCulture),
                Number(r.Load.Latencies.P50),
                Number(r.Load.Latencies.P95),
                Number(r.Load.Latencies.P99),
                string.Create(CultureInfo.InvariantCulture, $"{r.Load.Errors} ({r.ErrorRate * 100:0.##} %)"),
                string.Create(CultureInfo.InvariantCulture, $"p95<{r.Limits.P95Ms:0.##} p99<{r.Limits.P99Ms:0.##} err<{r.Limits.MaxErrorRate * 100:0.##}%"),
                r.Passed ? "pass" : "FAIL " + string.Join(",", r.Breaches),
            ]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length; c++)
            {
                // Names and verdicts left-aligned, figures right-aligned.
                var cell = c is 0 or 8 or 9 ? row[c].PadRight(widths[c]) : row[c].PadLeft(widths[c]);
                text.Append(cell).Append(c < row.Length - 1 ? "  " : "");
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Number(double value) =>
        double.IsFinite(value) ? value.ToString(value >= 100 ? "0" : value >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture) : "-";
}
