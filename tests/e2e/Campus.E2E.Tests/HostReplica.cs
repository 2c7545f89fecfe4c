using System.Diagnostics;
using System.Globalization;
using System.Net;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// One more replica of a host the platform runs: the same build, working directory and environment as the process
/// <c>./platform</c> started (read from <c>/proc</c>), on a free port of its own; killed when disposed. Its output goes
/// to <c>logs/&lt;host&gt;-replica.log</c> in the platform's data folder.
/// </summary>
public sealed class HostReplica : IAsyncDisposable
{
    private readonly Process _process;

    private HostReplica(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The replica's own base URL (health, readiness, metrics).</summary>
    public Uri Url { get; }

    public static async Task<HostReplica> StartAsync(string host, CancellationToken cancellationToken)
    {
        var pid = int.Parse(File.ReadAllText(Platform.PidFile(host)).Trim(), CultureInfo.InvariantCulture);
        string[] Read(string what) => File.ReadAllText($"/proc/{pid}/{what}").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var command = Read("cmdline"); // dotnet <host>.dll --urls http://127.0.0.1:<port>
        var urls = Array.IndexOf(command, "--urls");
        Assert.True(urls > 0 && urls + 1 < command.Length, $"{host} (pid {pid}) was not started with --urls: {string.Join(' ', command)}");
        var url = new Uri($"http://127.0.0.1:{Platform.FreePort()}/");
        command[urls + 1] = url.ToString().TrimEnd('/');

        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = new FileInfo($"/proc/{pid}/cwd").LinkTarget ?? Platform.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Clear();
        foreach (var variable in Read("environ"))
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                start.Environment[variable[..equals]] = variable[(equals + 1)..];
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start a replica of {host}");
        var log = File.AppendText(Path.Combine(Platform.DataDir, "logs", $"{host}-replica.log"));
        log.AutoFlush = true;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.Exited += (_, _) => { lock (log) { log.Dispose(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var replica = new HostReplica(process, url);
        try
        {
            await Wait.UntilAsync(async () =>
            {
                if (process.HasExited)
                {
                    Assert.Fail($"the replica of {host} exited ({process.ExitCode}); see logs/{host}-replica.log");
                }
                try
                {
                    using var ready = await Http.Client.GetAsync(new Uri(url, "readyz"), cancellationToken);
                    return ready.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, seconds: 90, because: () => $"the replica of {host} on {url} is not ready");
        }
        catch
        {
            await replica.DisposeAsync(); // never leave a replica running behind a failed start
            throw;
        }
        return replica;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
