using Campus.Testing;

namespace Campus.Notifications.Worker.Tests;

public sealed class HostTests(CampusHostFactory<Program> factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq"), IClassFixture<CampusHostFactory<Program>>;
