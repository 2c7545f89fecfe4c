using Campus.ServiceDefaults;

namespace Campus.Analytics.Dashboard;

/// <summary>Settings of the dashboard (configuration section <c>Analytics:Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    public const string Section = "Analytics:Dashboard";

    /// <summary>
    /// How long computed figures are answered again for the same scope and period (default 4 s; zero: never). The
    /// figures are then up to twice this old (<c>generated_at</c> says when they were computed), so an event reaches the
    /// dashboard within 10 s with the default; concurrent requests for the same figures share one computation.
    /// </summary>
    [TimeSpanRange("00:00:00", "01:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(4);
}
