using System.Diagnostics;
using System.Globalization;

namespace BenchKit;

/// <summary>
/// Waits for the machine to go quiet before a measured run: a set-up sets off background work on the platform (each
/// course it publishes is announced by e-mail to every contact; outboxes, consumers and the delivery worker then run for
/// seconds to minutes), and a run measured on top of it measures that work, not the endpoint.
/// </summary>
public static class Quiet
{
    /// <summary>
    /// Samples <c>/proc/stat</c> every second until the cores were busy less than <paramref name="busyBelow"/> for two
    /// seconds in a row, or <paramref name="maxSeconds"/> passed; returns how long it waited and whether it went quiet.
    /// </summary>
    public static async Task<(TimeSpan Waited, bool WentQuiet)> WaitAsync(double busyBelow = 0.3, int maxSeconds = 180)
    {
        var clock = Stopwatch.StartNew();
        var quietSeconds = 0;
        var (busy, total) = Read();
        while (clock.Elapsed < TimeSpan.FromSeconds(maxSeconds))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (nextBusy, nextTotal) = Read();
            var share = (nextBusy - busy) / Math.Max(1, nextTotal - total);
            (busy, total) = (nextBusy, nextTotal);
            quietSeconds = share < busyBelow ? quietSeconds + 1 : 0;
            if (quietSeconds >= 2)
            {
                return (clock.Elapsed, true);
            }
        }
        return (clock.Elapsed, false);
    }

    /// <summary>Prints what <see cref="WaitAsync"/> did, as a comment line of a benchmark's output.</summary>
    public static async Task WaitAndReportAsync(string after)
    {
        var (waited, quiet) = await WaitAsync();
        var seconds = waited.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        Console.WriteLine(quiet
            ? $"# waited {seconds} s after {after} for the cores to go quiet (< 30 % busy for 2 s)"
            : $"# after {after} the cores were still busy {seconds} s later: measuring anyway");
    }

    /// <summary>Busy and total jiffies of all cores (the first line of <c>/proc/stat</c>).</summary>
    private static (double Busy, double Total) Read()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4]; // idle + iowait
        var total = fields.Take(8).Sum(); // guest time is counted in user time already
        return (total - idle, total);
    }
}
