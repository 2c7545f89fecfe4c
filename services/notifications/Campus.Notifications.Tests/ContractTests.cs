using Campus.Testing;

namespace Campus.Notifications.Tests;

public sealed class NotificationsContractTests() : ContractTests<Program>("notifications", new Dictionary<string, string>
{
    ["Notifications:LinkBaseUrl"] = "http://127.0.0.1:9",
    ["Telegram:BotUsername"] = "campus_contract_bot",
});
