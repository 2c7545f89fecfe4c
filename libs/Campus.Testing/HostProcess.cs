using System.Diagnostics;

namespace Campus.Testing;

/// <summary>
/// Runs a host's built assembly as a process of its own, the way its image's entrypoint does
/// (<c>dotnet Campus.Auth.dll migrate</c>): for what happens before or instead of serving, which an in-process
/// <c>WebApplicationFactory</c> cannot show (the command line, the exit code, standard output).
/// </summary>
public static class HostProcess
{
    /// <summary>
    /// Starts <c>dotnet <paramref name="assembly"/> <paramref name="args"/></c> in the assembly's folder (its content root) in
    /// the Production environment with <paramref name="settings"/> as environment variables (<c>:</c> becomes <c>__</c>),
    /// and waits for it to exit. Nothing of the test runner's own ASP.NET Core or .NET settings is passed on.
    /// </summary>
    public static async Task<HostProcessResult> RunAsync(string assembly, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?> settings, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(assembly),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.Where(key => key.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                     || key.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || key.Contains("__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(assembly)} {string.Join(' ', args)} did not exit within {timeout ?? TimeSpan.FromSeconds(60)}: {await output}");
        }
        return new HostProcessResult(process.ExitCode, await output, await errors);
    }
}

/// <summary>What a host process printed and how it exited.</summary>
public sealed record HostProcessResult(int ExitCode, string Output, string Errors)
{
    /// <summary>Standard output, one entry per line.</summary>
    public IReadOnlyList<string> Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit code {ExitCode}\n{Output}\n{Errors}";
}
