using Campus.Testing;

namespace Campus.Analytics.Tests;

public sealed class HostTests(AnalyticsFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq", "s3"), IClassFixture<AnalyticsFactory>;
