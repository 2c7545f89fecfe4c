using Campus.Testing;

namespace Campus.Content.Worker.Tests;

public sealed class HostTests(CampusHostFactory<Program> factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq", "s3"), IClassFixture<CampusHostFactory<Program>>;
