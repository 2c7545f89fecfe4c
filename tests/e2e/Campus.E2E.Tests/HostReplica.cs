using System.Globalization;

namespace Campus.E2E.Tests;

/// <summary>
/// One more replica of a host the platform runs: the same build, working directory and environment as the process
/// <c>./platform</c> started (read from <c>/proc</c>), on a free port of its own; killed when disposed. Its output goes
/// to <c>logs/&lt;host&gt;-replica.log</c> in the platform's data folder.
/// </summary>
public sealed class HostReplica : IDisposable
{
    private readonly ChildProcess _process;

    private HostReplica(ChildProcess process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The replica's own base URL (health, readiness, metrics).</summary>
    public Uri Url { get; }

    public static async Task<HostReplica> StartAsync(string host)
    {
        var pid = int.Parse(File.ReadAllText(Platform.PidFile(host)).Trim(), CultureInfo.InvariantCulture);
        string[] Read(string what) => File.ReadAllText($"/proc/{pid}/{what}").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var command = Read("cmdline"); // dotnet <host>.dll --urls http://127.0.0.1:<port>
        var urls = Array.IndexOf(command, "--urls");
        Assert.True(urls > 0 && urls + 1 < command.Length, $"{host} (pid {pid}) was not started with --urls: {string.Join(' ', command)}");
        var url = new Uri($"http://127.0.0.1:{Platform.FreePort()}/");
        command[urls + 1] = url.ToString().TrimEnd('/');
        var environment = Read("environ").Select(variable => variable.Split('=', 2)).Where(pair => pair.Length == 2 && pair[0].Length > 0)
            .Select(pair => KeyValuePair.Create(pair[0], pair[1]));

        var process = ChildProcess.Start($"the replica of {host}", command[0], command[1..],
            new FileInfo($"/proc/{pid}/cwd").LinkTarget ?? Platform.Root, Path.Combine(Platform.DataDir, "logs", $"{host}-replica.log"),
            environment, inheritEnvironment: false);
        var replica = new HostReplica(process, url);
        try
        {
            await process.WaitReadyAsync(new Uri(url, "readyz"), seconds: 90);
        }
        catch
        {
            replica.Dispose(); // never leave a replica running behind a failed start
            throw;
        }
        return replica;
    }

    public void Dispose() => _process.Dispose();
}
