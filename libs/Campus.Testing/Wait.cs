namespace Campus.Testing;

/// <summary>Polling for what a host does in the background (consumers, relays, sweepers).</summary>
public static class Wait
{
    /// <summary>
    /// Polls <paramref name="condition"/> every <paramref name="intervalMs"/> ms; fails the test if it is not true within
    /// <paramref name="seconds"/>, with <paramref name="because"/> (read at the failure) when given.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 15, Func<string>? because = null, int intervalMs = 100)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, because?.Invoke() ?? $"The condition did not become true within {seconds} s.");
            await Task.Delay(intervalMs, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls <paramref name="condition"/> (an in-process signal, such as a counter) the same way.</summary>
    public static Task UntilAsync(Func<bool> condition, int seconds = 15, Func<string>? because = null, int intervalMs = 100) =>
        UntilAsync(() => Task.FromResult(condition()), seconds, because, intervalMs);
}
