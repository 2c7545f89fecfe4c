using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Campus.Content.Worker.Transcoding;

/// <summary>What a finished ffmpeg/ffprobe run left: its exit code, stdout (when collected) and the tail of stderr.</summary>
internal sealed record ToolResult(int ExitCode, string StandardOutput, string ErrorTail);

/// <summary>
/// Runs ffmpeg or ffprobe with System.Diagnostics.Process: arguments as a list (no shell, no quoting), both streams
/// read asynchronously (a full stderr pipe would otherwise block the child), and the whole process tree killed on
/// cancellation or when the run-time limit passes.
/// </summary>
internal static class ToolProcess
{
    /// <summary>Lines of stderr kept for the error message.</summary>
    public const int TailLines = 20;

    /// <param name="executable">Name on PATH or full path.</param>
    /// <param name="arguments">Arguments, one per item.</param>
    /// <param name="onOutputLine">Receives each stdout line; when null, stdout is collected into <see cref="ToolResult.StandardOutput"/>.</param>
    /// <param name="maxRunTime">The process is killed after this; a <see cref="TimeoutException"/> follows.</param>
    /// <param name="cancellationToken">Kills the process tree and throws <see cref="OperationCanceledException"/>.</param>
    public static async Task<ToolResult> RunAsync(string executable, IEnumerable<string> arguments, Action<string>? onOutputLine,
        TimeSpan maxRunTime, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            // A deployment problem, not the media's: the caller lets the message be retried.
            throw new InvalidOperationException($"Cannot start '{executable}': {ex.Message}. Check Transcode:FfmpegPath / Transcode:FfprobePath.", ex);
        }
        process.StandardInput.Close();

        var output = new StringBuilder();
        var tail = new Queue<string>(TailLines + 1);
        var readOutput = PumpAsync(process.StandardOutput, onOutputLine ?? (line => output.AppendLine(line)));
        var readError = PumpAsync(process.StandardError, line =>
        {
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > TailLines)
                {
                    tail.Dequeue();
                }
            }
        });

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(maxRunTime);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(readOutput, readError);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Path.GetFileName(executable)} did not finish within {maxRunTime} and was killed.");
        }
        await Task.WhenAll(readOutput, readError);

        string errorTail;
        lock (tail)
        {
            errorTail = string.Join('\n', tail.Where(line => line.Length > 0));
        }
        return new ToolResult(process.ExitCode, output.ToString(), errorTail);
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        // No cancellation token: the pipe ends when the process does (or is killed), which is what ends this loop.
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
