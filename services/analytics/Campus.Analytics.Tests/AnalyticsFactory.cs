using Campus.Analytics.Data;
using Campus.Testing;

namespace Campus.Analytics.Tests;

/// <summary>The analytics service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class AnalyticsFactory : CampusHostFactory<Program, AnalyticsDbContext>;
