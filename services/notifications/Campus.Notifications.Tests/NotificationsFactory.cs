using Campus.Notifications.Data;
using Campus.Testing;

namespace Campus.Notifications.Tests;

/// <summary>The notifications service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class NotificationsFactory : CampusHostFactory<Program, NotificationsDbContext>
{
    public const string LinkBaseUrl = "https://campus.test";
    public const string BotUsername = "campus_test_bot";

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Notifications:LinkBaseUrl"] = LinkBaseUrl;
            settings["Notifications:BatchSize"] = "2"; // several batches with a handful of contacts
            settings["Telegram:BotUsername"] = BotUsername;
            settings["Messaging:RetryBaseDelay"] = "00:00:00.200";
            settings["Messaging:OutboxPollInterval"] = "00:00:00.200";
            return settings;
        }
    }
}
