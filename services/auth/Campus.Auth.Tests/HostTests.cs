using Campus.Testing;

namespace Campus.Auth.Tests;

public sealed class HostTests(AuthFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq", "redis"), IClassFixture<AuthFactory>;
