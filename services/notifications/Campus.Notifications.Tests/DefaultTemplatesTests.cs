using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

/// <summary>The seeded types and templates, on a database no other test changes (the CRUD tests delete a seeded one).</summary>
public sealed class DefaultTemplatesTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>
{
    [Fact]
    public async Task A_fresh_install_has_russian_and_english_templates_for_every_type_and_channel()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");

        var templates = (await admin.GetFromJsonAsync<JsonElement>("/api/notifications/templates", Ct)).EnumerateArray()
            .Select(t => $"{t.GetProperty("type_key").GetString()}/{t.GetProperty("channel").GetString()}/{t.GetProperty("locale").GetString()}")
            .ToHashSet();
        var types = await admin.GetFromJsonAsync<JsonElement>("/api/notifications/types", Ct);

        foreach (var type in types.EnumerateArray())
        {
            foreach (var channel in type.GetProperty("default_channels").EnumerateArray())
            {
                foreach (var locale in new[] { "ru", "en" })
                {
                    Assert.Contains($"{type.GetProperty("key").GetString()}/{channel.GetString()}/{locale}", templates);
                }
            }
        }
        var filtered = await admin.GetFromJsonAsync<JsonElement>("/api/notifications/templates?type_key=media_ready&channel=telegram", Ct);
        Assert.Equal(2, filtered.GetArrayLength());
    }
}
