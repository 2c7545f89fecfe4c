using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Notifications.Settings;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

public sealed class SettingsTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>
{
    [Fact]
    public async Task Types_are_seeded_with_their_channels_and_critical_flags()
    {
        using var client = factory.ClientFor(Guid.NewGuid());

        var types = (await client.GetFromJsonAsync<JsonElement>("/api/notifications/types", Ct)).EnumerateArray()
            .ToDictionary(t => t.GetProperty("key").GetString()!, t => (
                Critical: t.GetProperty("critical").GetBoolean(),
                Channels: string.Join(",", t.GetProperty("default_channels").EnumerateArray().Select(c => c.GetString()))));

        Assert.Equal(["course_assigned", "course_completed", "course_due_soon", "course_overdue", "course_published",
            "email_confirmation", "media_failed", "media_ready", "password_reset", "report_ready"], types.Keys.Order());
        Assert.Equal((true, "email"), types["password_reset"]);
        Assert.Equal((true, "email"), types["email_confirmation"]);
        Assert.Equal((false, "email,telegram"), types["media_ready"]);
        Assert.All(["course_assigned", "course_due_soon", "course_overdue", "course_completed", "report_ready"],
            key => Assert.Equal((false, "email,telegram"), types[key]));
    }

    [Fact]
    public async Task Everything_is_on_by_default_and_a_user_turns_a_channel_off_and_changes_the_locale()
    {
        using var client = factory.ClientFor(Guid.NewGuid());
        var initial = await client.GetFromJsonAsync<JsonElement>("/api/notifications/settings", Ct);
        Assert.Equal("ru", initial.GetProperty("locale").GetString());
        Assert.False(initial.GetProperty("telegram_linked").GetBoolean());
        Assert.All(initial.GetProperty("items").EnumerateArray(), item => Assert.True(item.GetProperty("enabled").GetBoolean()));
        Assert.Equal(18, initial.GetProperty("items").GetArrayLength()); // 2 critical × email + 8 × (email, telegram)

        var put = await client.PutAsJsonAsync("/api/notifications/settings", new
        {
            locale = "en",
            items = new[] { new { type_key = "course_published", channel = "telegram", enabled = false } },
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var after = await client.GetFromJsonAsync<JsonElement>("/api/notifications/settings", Ct);
        Assert.Equal("en", after.GetProperty("locale").GetString());
        var off = Assert.Single(after.GetProperty("items").EnumerateArray(), i => !i.GetProperty("enabled").GetBoolean());
        Assert.Equal(("course_published", "telegram"), (off.GetProperty("type_key").GetString(), off.GetProperty("channel").GetString()));

        // And on again.
        await client.PutAsJsonAsync("/api/notifications/settings",
            new { items = new[] { new { type_key = "course_published", channel = "telegram", enabled = true } } }, Ct);
        var again = await client.GetFromJsonAsync<JsonElement>("/api/notifications/settings", Ct);
        Assert.All(again.GetProperty("items").EnumerateArray(), item => Assert.True(item.GetProperty("enabled").GetBoolean()));
        Assert.Equal("en", again.GetProperty("locale").GetString());
    }

    [Fact]
    public async Task A_critical_type_cannot_be_turned_off_and_bad_input_is_named()
    {
        using var client = factory.ClientFor(Guid.NewGuid());

        async Task ExpectAsync(object body, HttpStatusCode status, string code)
        {
            var response = await client.PutAsJsonAsync("/api/notifications/settings", body, Ct);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(code, await CodeAsync(response));
        }

        await ExpectAsync(new { items = new[] { new { type_key = "password_reset", channel = "email", enabled = false } } },
            HttpStatusCode.UnprocessableEntity, "critical_type");
        await ExpectAsync(new { items = new[] { new { type_key = "no_such_type", channel = "email", enabled = false } } },
            HttpStatusCode.BadRequest, "unknown_type");
        await ExpectAsync(new { items = new[] { new { type_key = "password_reset", channel = "telegram", enabled = true } } },
            HttpStatusCode.BadRequest, "channel_not_supported");
        await ExpectAsync(new { locale = "fr" }, HttpStatusCode.BadRequest, "invalid_locale");
        // An item without enabled is refused with the field named, never read as "off".
        var missing = await client.PutAsJsonAsync("/api/notifications/settings",
            new { items = new[] { new { type_key = "course_published", channel = "email" } } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var problem = await missing.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors");
        Assert.Equal("Required.", errors.GetProperty("items[0].enabled")[0].GetString());
        var unknown = await client.PutAsJsonAsync("/api/notifications/settings",
            new { items = new[] { new { type_key = "no_such_type", channel = "email", enabled = true } } }, Ct);
        Assert.True((await unknown.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("items[0].type_key", out _));

        // Nothing of a refused request was applied.
        var settings = await client.GetFromJsonAsync<JsonElement>("/api/notifications/settings", Ct);
        Assert.All(settings.GetProperty("items").EnumerateArray(), item => Assert.True(item.GetProperty("enabled").GetBoolean()));
    }

    [Fact]
    public async Task A_settings_request_is_bounded_and_names_each_pair_once()
    {
        using var client = factory.ClientFor(Guid.NewGuid());
        var repeated = Enumerable.Range(0, 2).Select(i => new { type_key = "course_published", channel = "telegram", enabled = i == 0 }).ToArray();
        var response = await client.PutAsJsonAsync("/api/notifications/settings", new { items = repeated }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("duplicate_item", await CodeAsync(response));

        var thousands = Enumerable.Range(0, 5000).Select(_ => new { type_key = "course_published", channel = "email", enabled = false }).ToArray();
        response = await client.PutAsJsonAsync("/api/notifications/settings", new { items = thousands }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("too_many_items", await CodeAsync(response));

        // Nothing of either was applied.
        var settings = await client.GetFromJsonAsync<JsonElement>("/api/notifications/settings", Ct);
        Assert.All(settings.GetProperty("items").EnumerateArray(), item => Assert.True(item.GetProperty("enabled").GetBoolean()));
    }

    [Fact]
    public async Task An_update_checks_every_item_before_it_writes_any()
    {
        var me = Guid.NewGuid();
        await using var scope = factory.Services.CreateAsyncScope();
        var update = scope.ServiceProvider.GetRequiredService<SettingsUpdate>();

        var refused = await update.UpdateAsync(me, new UpdateSettingsRequest("en",
            [new SettingChange("course_published", "telegram", false), new SettingChange("password_reset", "email", false)]), Ct);
        Assert.Equal(new SettingsUpdateResult.CriticalType("password_reset"), refused);

        // Neither the locale nor the valid first item was written.
        var unchanged = Assert.IsType<SettingsUpdateResult.Updated>(await update.UpdateAsync(me, new UpdateSettingsRequest(), Ct));
        Assert.Equal("ru", unchanged.Settings.Locale);
        Assert.All(unchanged.Settings.Items, item => Assert.True(item.Enabled));
    }

    [Fact]
    public async Task Settings_need_a_token()
    {
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/notifications/settings", Ct)).StatusCode);
    }
}
