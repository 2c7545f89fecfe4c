using System.Diagnostics;
using System.Net;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// A process the suite starts itself (a replica of a platform host, the hosts and the edge of a private stack): its
/// output appended to a log file of its own, killed with its process tree when disposed.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, string name, string logPath)
    {
        _process = process;
        Name = name;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    /// <summary>
    /// Starts <paramref name="file"/>; <paramref name="environment"/> is added to the suite's own environment, or is the
    /// whole environment when <paramref name="inheritEnvironment"/> is false.
    /// </summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> arguments, string workingDirectory, string logPath,
        IEnumerable<KeyValuePair<string, string>> environment, bool inheritEnvironment = true)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (!inheritEnvironment)
        {
            start.Environment.Clear();
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {name} ({file})");
        process.OutputDataReceived += (_, line) => Write(log, line.Data);
        process.ErrorDataReceived += (_, line) => Write(log, line.Data);
        process.Exited += (_, _) =>
        {
            lock (log)
            {
                log.Dispose();
            }
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, name, logPath);
    }

    /// <summary>Waits until <paramref name="url"/> answers 200; fails at once if the process exits, with its last log lines.</summary>
    public Task WaitReadyAsync(Uri url, int seconds = 60) => Wait.UntilAsync(async () =>
    {
        if (_process.HasExited)
        {
            Assert.Fail($"{Name} exited ({_process.ExitCode}); {LastLines()}");
        }
        try
        {
            using var response = await Http.Client.GetAsync(url, TestContext.Current.CancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }, seconds, because: () => $"{Name} was not ready at {url} after {seconds} s; {LastLines()}", intervalMs: 200);

    private string LastLines() =>
        $"last lines of {LogPath}:\n" + (File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(30)) : "(no log)");

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The process exited and its log was closed: a late line is dropped.
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(15_000);
        }
        _process.Dispose();
    }
}
