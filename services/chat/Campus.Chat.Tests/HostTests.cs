using Campus.Testing;

namespace Campus.Chat.Tests;

public sealed class HostTests(ChatFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq", "redis", "s3"), IClassFixture<ChatFactory>;
