using Campus.Testing;

namespace Campus.Notifications.Worker.Tests;

public sealed class HostTests(WorkerFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq"), IClassFixture<WorkerFactory>;
