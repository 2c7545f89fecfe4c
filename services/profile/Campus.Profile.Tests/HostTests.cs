using Campus.Testing;

namespace Campus.Profile.Tests;

public sealed class HostTests(ProfileFactory factory)
    : HostConformanceTests<Program>(factory, "postgres", "rabbitmq", "s3"), IClassFixture<ProfileFactory>;
