using Campus.Testing;

namespace Campus.Notifications.Tests;

public sealed class NotificationsContractTests : ContractTests<Program>
{
    public NotificationsContractTests() : base("notifications")
    {
        // The shared contract test starts the host with only the libraries' stand-in settings; the service's own
        // required ones come from the environment here (hosts under NotificationsFactory set theirs explicitly).
        Environment.SetEnvironmentVariable("Notifications__LinkBaseUrl", "http://127.0.0.1:9");
        Environment.SetEnvironmentVariable("Telegram__BotUsername", "campus_contract_bot");
    }
}
