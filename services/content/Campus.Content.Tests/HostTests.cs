using Campus.Testing;

namespace Campus.Content.Tests;

public sealed class HostTests(ContentFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq", "s3"), IClassFixture<ContentFactory>;
