using Campus.Testing;

namespace Campus.Content.Tests;

public sealed class ContentContractTests() : ContractTests<Program>("content");
