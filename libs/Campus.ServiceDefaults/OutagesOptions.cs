namespace Campus.ServiceDefaults;

/// <summary>What a 503 for a dependency outage tells the client.</summary>
public sealed class OutagesOptions
{
    public const string Section = "Outages";

    /// <summary>The <c>Retry-After</c> of a 503 answered because a dependency is down.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}
