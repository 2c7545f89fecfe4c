using System.Globalization;
using System.Text.RegularExpressions;

namespace BenchKit;

/// <summary>
/// What one host of the local platform spends: its process CPU time (<c>/proc/PID/stat</c>, utime + stime, of the pid
/// in <c>$CAMPUS_DATA_DIR/pids/HOST.pid</c>) and the bytes its .NET runtime has allocated
/// (<c>dotnet_gc_heap_total_allocated_bytes_total</c> on the host's <c>/metrics</c>). Read before and after a measured
/// run and divided by its requests, it gives CPU and allocations per request: figures that hold on a busy machine,
/// where latencies do not.
/// </summary>
public sealed partial class CostProbe(string host, int pid, Uri metrics, HttpClient http)
{
    public string Host { get; } = host;

    /// <summary>A probe of a platform host by name (content, gateway, ...), or null when its pid file or port is unknown.</summary>
    public static CostProbe? Of(string host, HttpClient http)
    {
        var data = Environment.GetEnvironmentVariable("CAMPUS_DATA_DIR") ?? ".data";
        var pidFile = Path.Combine(data, "pids", host + ".pid");
        var port = Environment.GetEnvironmentVariable($"CAMPUS_{host.Replace('-', '_').ToUpperInvariant()}_PORT");
        if (!File.Exists(pidFile) || port is null || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            return null;
        }
        return new CostProbe(host, pid, new Uri($"http://127.0.0.1:{port}/metrics"), http);
    }

    /// <summary>CPU seconds so far and bytes allocated so far.</summary>
    public async Task<(double CpuSeconds, double AllocatedBytes)> ReadAsync()
    {
        // Fields after the command name (which may contain spaces): utime and stime are the 14th and 15th of the line.
        var stat = await File.ReadAllTextAsync($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
        var text = await http.GetStringAsync(metrics);
        var match = Allocated().Match(text);
        var bytes = match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        return (ticks / 100.0, bytes); // USER_HZ is 100 on Linux
    }

    [GeneratedRegex(@"^dotnet_gc_heap_total_allocated_bytes_total(?:\{[^}]*\})? ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex Allocated();
}
