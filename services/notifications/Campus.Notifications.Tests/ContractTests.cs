using Campus.Testing;

namespace Campus.Notifications.Tests;

public sealed class NotificationsContractTests() : ContractTests<Program>("notifications");
