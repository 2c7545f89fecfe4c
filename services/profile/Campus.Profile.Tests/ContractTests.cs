using Campus.Testing;

namespace Campus.Profile.Tests;

public sealed class ProfileContractTests() : ContractTests<Program>("profile");
