using Campus.Testing;

namespace Campus.Analytics.Tests;

public sealed class AnalyticsContractTests() : ContractTests<Program>("analytics");
