using Campus.Testing;

namespace Campus.Auth.Tests;

public sealed class AuthContractTests() : ContractTests<Program>("auth");
