using Campus.Analytics.Data;
using Campus.Testing;

namespace Campus.Analytics.Tests;

/// <summary>The analytics service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class AnalyticsFactory : CampusHostFactory<Program, AnalyticsDbContext>
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            // Longer than the default, so two requests of a test surely fall within one cache duration on a busy machine.
            settings["Analytics:Dashboard:CacheDuration"] = "00:01:00";
            return settings;
        }
    }
}
