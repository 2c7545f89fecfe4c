using System.Diagnostics;
using System.Globalization;

namespace BenchKit;

/// <summary>Latency percentiles of one scenario (milliseconds).</summary>
public sealed record Latencies(int Count, double P50, double P95, double P99, double Max)
{
    public static Latencies Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Where(double.IsFinite).Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Latencies(sorted.Length, P(0.50), P(0.95), P(0.99), P(1));
    }

    /// <summary><c>n=… p50_ms=… p95_ms=… p99_ms=… max_ms=…</c></summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"n={Count} p50_ms={P50:F2} p95_ms={P95:F2} p99_ms={P99:F2} max_ms={Max:F2}");
}

/// <summary>What an open-loop run measured; <paramref name="Timeline"/> holds each request's start and latency when known.</summary>
public sealed record LoadResult(Latencies Latencies, int Errors, double Seconds, IReadOnlyList<(double StartS, double Ms)>? Timeline = null)
{
    public double Throughput => Latencies.Count / Seconds;

    /// <summary>
    /// The <paramref name="top"/> one-second windows with the slowest requests (by start time): when stalls happen and
    /// how many requests each caught, to tell a periodic stall (a scrape, a job, a checkpoint) from scattered slow ones.
    /// </summary>
    public string SlowestSeconds(int top = 5)
    {
        if (Timeline is not { Count: > 0 })
        {
            return "";
        }
        var worst = Timeline.GroupBy(t => (int)t.StartS)
            .Select(g => (Second: g.Key, Max: g.Max(t => t.Ms), Slow: g.Count(t => t.Ms > 25), Count: g.Count()))
            .OrderByDescending(w => w.Max).Take(top).OrderBy(w => w.Second);
        return "slowest seconds: " + string.Join("; ", worst.Select(w => string.Create(CultureInfo.InvariantCulture,
            $"t={w.Second}s max_ms={w.Max:F0} over_25ms={w.Slow}/{w.Count}")));
    }

    /// <summary>One line: the scenario, requests, wall time, throughput, percentiles, errors.</summary>
    public string Line(string name) => string.Create(CultureInfo.InvariantCulture,
        $"{name,-44} requests={Latencies.Count} duration_s={Seconds:F1} throughput_rps={Throughput:F0} p50_ms={Latencies.P50:F2} p95_ms={Latencies.P95:F2} p99_ms={Latencies.P99:F2} max_ms={Latencies.Max:F2} errors={Errors}");
}

/// <summary>Open-loop load: request i starts at i / rate seconds, whatever the earlier ones took.</summary>
public static class OpenLoop
{
    /// <summary>
    /// Sends <paramref name="count"/> requests paced at <paramref name="rate"/> per second with at most
    /// <paramref name="maxInFlight"/> in flight (beyond that the pacing waits: an overloaded server then shows as a
    /// lower throughput). <paramref name="send"/> answers whether request i succeeded; an exception counts as an error.
    /// The latency is measured around <paramref name="send"/>.
    /// </summary>
    public static async Task<LoadResult> RunAsync(int count, double rate, int maxInFlight, Func<int, Task<bool>> send)
    {
        var latencies = new double[count];
        var starts = new double[count];
        var errors = 0;
        using var gate = new SemaphoreSlim(maxInFlight);
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var wait = TimeSpan.FromSeconds(i / rate) - clock.Elapsed; // read once: the clock moves between two reads
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            await gate.WaitAsync();
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                starts[index] = clock.Elapsed.TotalSeconds;
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
        return new LoadResult(Latencies.Of(latencies), errors, clock.Elapsed.TotalSeconds, [.. starts.Zip(latencies)]);
    }
}
