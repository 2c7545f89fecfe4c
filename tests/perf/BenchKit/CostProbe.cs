using System.Globalization;
using System.Text.RegularExpressions;

namespace BenchKit;

/// <summary>
/// What one host of the local platform spends: its process CPU time (<c>/proc/PID/stat</c>, utime + stime, of the pid
/// in <c>$CAMPUS_DATA_DIR/pids/HOST.pid</c>) and the bytes its .NET runtime has allocated
/// (<c>dotnet_gc_heap_total_allocated_bytes_total</c> on the host's <c>/metrics</c>). Read before and after a measured
/// run and divided by its requests, it gives CPU and allocations per request: figures that hold on a busy machine,
/// where latencies do not. A piece that is no .NET host (postgres, edge, redis, rabbitmq: a pid file but no port) gives
/// its CPU only, of the pid and every process below it (PostgreSQL's backends, nginx's workers), the children that ended
/// counted through the parent's <c>cutime</c>/<c>cstime</c>.
/// </summary>
public sealed partial class CostProbe(string host, int pid, Uri? metrics, HttpClient http)
{
    public string Host { get; } = host;

    /// <summary>
    /// A probe of a platform piece by name (content, gateway, ... with their <c>CAMPUS_*_PORT</c>; postgres, edge, redis,
    /// rabbitmq without), or null when its pid file is unknown.
    /// </summary>
    public static CostProbe? Of(string host, HttpClient http)
    {
        var data = Environment.GetEnvironmentVariable("CAMPUS_DATA_DIR") ?? ".data";
        var pidFile = Path.Combine(data, "pids", host + ".pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            return null;
        }
        var port = Environment.GetEnvironmentVariable($"CAMPUS_{host.Replace('-', '_').ToUpperInvariant()}_PORT");
        var dotnet = port is not null && File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("Campus.", StringComparison.Ordinal);
        return new CostProbe(host, pid, dotnet ? new Uri($"http://127.0.0.1:{port}/metrics") : null, http);
    }

    /// <summary>CPU seconds so far and bytes allocated so far (NaN for a piece that is no .NET host).</summary>
    public async Task<(double CpuSeconds, double AllocatedBytes)> ReadAsync()
    {
        if (metrics is null)
        {
            return (TreeTicks(pid) / 100.0, double.NaN);
        }
        var ticks = Stat(pid) is { } own ? own.Ticks : 0;
        var text = await http.GetStringAsync(metrics);
        var match = Allocated().Match(text);
        var bytes = match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        return (ticks / 100.0, bytes); // USER_HZ is 100 on Linux
    }

    /// <summary>utime + stime of <paramref name="root"/>, and of every live process below it; cutime + cstime of each (children that ended).</summary>
    private static double TreeTicks(int root)
    {
        var parents = new Dictionary<int, List<int>>();
        var ticks = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var id) && Stat(id) is { } stat)
            {
                ticks[id] = stat.Ticks + stat.ChildTicks;
                (parents.TryGetValue(stat.Parent, out var list) ? list : parents[stat.Parent] = []).Add(id);
            }
        }
        var total = 0.0;
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var id))
        {
            total += ticks.GetValueOrDefault(id);
            foreach (var child in parents.GetValueOrDefault(id) ?? [])
            {
                pending.Push(child);
            }
        }
        return total;
    }

    /// <summary>The parent, utime + stime and cutime + cstime of a process, or null when it is gone.</summary>
    private static (int Parent, double Ticks, double ChildTicks)? Stat(int id)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{id}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        // Fields after the command name (which may contain spaces): ppid is the 4th of the line, utime, stime, cutime and
        // cstime the 14th to 17th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double Field(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture);
        return ((int)Field(1), Field(11) + Field(12), Field(13) + Field(14));
    }

    [GeneratedRegex(@"^dotnet_gc_heap_total_allocated_bytes_total(?:\{[^}]*\})? ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex Allocated();
}
