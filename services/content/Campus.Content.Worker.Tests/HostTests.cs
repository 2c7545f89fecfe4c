using Campus.Testing;

namespace Campus.Content.Worker.Tests;

public sealed class HostTests(WorkerFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq", "s3"), IClassFixture<WorkerFactory>;
