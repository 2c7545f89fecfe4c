using Campus.Testing;

namespace Campus.Chat.Tests;

public sealed class ChatContractTests() : ContractTests<Program>("chat");
