using Campus.Testing;

namespace Campus.Notifications.Tests;

public sealed class HostTests(NotificationsFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq"), IClassFixture<NotificationsFactory>;
