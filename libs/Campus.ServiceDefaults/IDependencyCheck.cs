using System.Diagnostics;

namespace Campus.ServiceDefaults;

/// <summary>
/// One dependency the <c>check-dependencies</c> command exercises for real (a query, a PING, a message, an object), as
/// opposed to the readiness check's cheap probe. Registered by whatever registers the dependency: Campus.Data for
/// PostgreSQL, Campus.Redis for Redis, Campus.Messaging for RabbitMQ, Campus.Storage for S3.
/// </summary>
public interface IDependencyCheck
{
    /// <summary>The dependency's name, as its readiness check is named: <c>postgres</c>, <c>redis</c>, <c>rabbitmq</c>, <c>s3</c>.</summary>
    string Name { get; }

    /// <summary>What is checked, printable (address, database, bucket; never a credential); null when the host is not configured for it.</summary>
    string? Target { get; }

    /// <summary>Values that must never be printed (passwords, keys): masked in every line the command writes.</summary>
    IEnumerable<string> Secrets { get; }

    /// <summary>Exercises the dependency; returns what was done, throws when it failed.</summary>
    Task<string> RunAsync(CancellationToken cancellationToken);
}

/// <summary>Runs every configured <see cref="IDependencyCheck"/> and prints one line each.</summary>
internal static class DependencyCheckRunner
{
    private static readonly string[] Order = ["postgres", "redis", "rabbitmq", "s3"];
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(IEnumerable<IDependencyCheck> registered, TextWriter output, CancellationToken cancellationToken)
    {
        var checks = registered
            .Where(check => check.Target is not null)
            .DistinctBy(check => check.Name)
            .OrderBy(check => Array.IndexOf(Order, check.Name) is var index and >= 0 ? index : Order.Length)
            .ToList();
        if (checks.Count == 0)
        {
            await output.WriteLineAsync("check-dependencies: this host is configured for no database, cache, broker or storage; nothing to check");
            return 0;
        }

        // Every check's secrets are masked in every line (a message may quote another setting); a value shorter than
        // 4 characters would garble the text more than it hides.
        var secrets = checks.SelectMany(check => check.Secrets).Where(secret => secret.Length >= 4).Distinct().ToList();
        var failed = 0;
        foreach (var check in checks)
        {
            var started = Stopwatch.GetTimestamp();
            string line;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CheckTimeout);
            try
            {
                var done = await check.RunAsync(timeout.Token);
                line = $"{check.Name,-9} ok      {check.Target}: {done} ({Elapsed(started)})";
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failed++;
                var reason = ex is OperationCanceledException ? $"no answer within {CheckTimeout.TotalSeconds:0} s" : Describe(ex);
                line = $"{check.Name,-9} FAILED  {check.Target}: {reason} ({Elapsed(started)})";
            }
            await output.WriteLineAsync(Mask(line, secrets));
        }
        await output.WriteLineAsync($"check-dependencies: {checks.Count - failed} ok, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>The exception's type and first line, and its innermost cause's: enough to act on, without a stack trace.</summary>
    internal static string Describe(Exception exception)
    {
        var text = $"{exception.GetType().Name}: {FirstLine(exception.Message)}";
        var inner = exception.InnerException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        // An inner exception without a message of its own ("Exception of type '...' was thrown.") adds nothing.
        return inner is null || inner.Message.StartsWith("Exception of type ", StringComparison.Ordinal)
            ? text
            : $"{text} ({inner.GetType().Name}: {FirstLine(inner.Message)})";
    }

    internal static string Mask(string text, IEnumerable<string> secrets) =>
        secrets.Aggregate(text, (current, secret) => current.Replace(secret, "***", StringComparison.Ordinal));

    /// <summary>The first sentence: clients append advice that does not apply here (StackExchange.Redis: "use abortConnect=false").</summary>
    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].TrimEnd('\r', ' ');
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? line : line[..(end + 1)];
    }

    private static string Elapsed(long started) => $"{Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms";
}
