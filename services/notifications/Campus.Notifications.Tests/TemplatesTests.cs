using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

public sealed class TemplatesTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>
{
    [Fact]
    public async Task An_admin_creates_previews_updates_and_deletes_a_template()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        await admin.DeleteAsync($"/api/notifications/templates/{await FindAsync(admin, "media_failed", "email", "en")}", Ct);

        var created = await admin.PostAsJsonAsync("/api/notifications/templates", new
        {
            type_key = "media_failed", channel = "email", locale = "en", subject = "{{filename}} failed", body = "<p>{{filename}}: {{error}}</p>",
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.Equal($"/api/notifications/templates/{id}", created.Headers.Location?.OriginalString);

        var preview = await (await admin.PostAsJsonAsync($"/api/notifications/templates/{id}/preview",
            new { payload = new { filename = "a&b.mp4", error = "bad" } }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("a&b.mp4 failed", preview.GetProperty("subject").GetString()); // subjects are plain text
        Assert.Equal("<p>a&amp;b.mp4: bad</p>", preview.GetProperty("body").GetString()); // e-mail bodies are HTML

        var sample = await (await admin.PostAsJsonAsync($"/api/notifications/templates/{id}/preview", new { }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("<p>intro.mp4: the file is not a video</p>", sample.GetProperty("body").GetString());

        var updated = await admin.PutAsJsonAsync($"/api/notifications/templates/{id}", new
        {
            type_key = "media_failed", channel = "email", locale = "en", subject = "Failed: {{filename}}", body = "{{error}}",
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("Failed: {{filename}}", (await admin.GetFromJsonAsync<JsonElement>($"/api/notifications/templates/{id}", Ct)).GetProperty("subject").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/notifications/templates/{id}", Ct)).StatusCode);
        var gone = await admin.GetAsync($"/api/notifications/templates/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("template_not_found", await CodeAsync(gone));
    }

    [Fact]
    public async Task A_template_reaches_only_the_values_never_members_of_them()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        await admin.DeleteAsync($"/api/notifications/templates/{await FindAsync(admin, "media_failed", "telegram", "en")}", Ct);
        var created = await admin.PostAsJsonAsync("/api/notifications/templates", new
        {
            type_key = "media_failed", channel = "telegram", locale = "en",
            body = "[{{filename}}|{{#filename}}{{GetType}}{{Length}}{{ToString}}{{GetHashCode}}{{/filename}}"
                + "|{{filename.GetType.Assembly.FullName}}|{{filename.Length}}|{{#error}}{{GetType.FullName}}{{/error}}]",
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        var preview = await (await admin.PostAsJsonAsync($"/api/notifications/templates/{id}/preview",
            new { payload = new { filename = "a.mp4", error = new { code = "x" } } }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("[a.mp4||||]", preview.GetProperty("body").GetString());

        // The sample values (what the event handlers pass) are data only as well.
        var sample = await (await admin.PostAsJsonAsync($"/api/notifications/templates/{id}/preview", new { }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("[intro.mp4||||]", sample.GetProperty("body").GetString());
        await admin.DeleteAsync($"/api/notifications/templates/{id}", Ct);
    }

    [Fact]
    public async Task A_template_that_does_not_compile_or_duplicates_another_is_refused()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");

        var broken = await admin.PostAsJsonAsync("/api/notifications/templates", new
        {
            type_key = "course_published", channel = "telegram", locale = "ru", body = "{{#items}}never closed",
        }, Ct);
        await AssertFieldErrorAsync(broken, "template_invalid", "body");

        var brokenSubject = await admin.PostAsJsonAsync("/api/notifications/templates", new
        {
            type_key = "course_published", channel = "email", locale = "ru", subject = "{{/title}}", body = "ok",
        }, Ct);
        var subjectProblem = await AssertFieldErrorAsync(brokenSubject, "template_invalid", "subject");
        Assert.False(subjectProblem.GetProperty("errors").TryGetProperty("body", out _));

        var duplicate = await admin.PostAsJsonAsync("/api/notifications/templates", new
        {
            type_key = "course_published", channel = "telegram", locale = "ru", body = "{{title}}",
        }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("template_exists", await CodeAsync(duplicate));

        var invalid = await admin.PostAsJsonAsync("/api/notifications/templates", new
        {
            type_key = "nope", channel = "sms", locale = "de", body = "",
        }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        Assert.Equal(["body", "channel", "locale", "type_key"], errors.EnumerateObject().Select(e => e.Name).Order());
    }

    [Fact]
    public async Task A_template_list_filter_outside_its_values_is_refused_with_a_field_error()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");

        await AssertFieldErrorAsync(await admin.GetAsync("/api/notifications/templates?channel=sms", Ct), "invalid_filter", "channel");
        await AssertFieldErrorAsync(await admin.GetAsync("/api/notifications/templates?locale=de", Ct), "invalid_filter", "locale");
        // type_key is bounded like every key (64 characters): a longer one is refused, not looked for.
        await AssertFieldErrorAsync(await admin.GetAsync($"/api/notifications/templates?type_key={new string('k', 65)}", Ct), "invalid_filter", "type_key");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/notifications/templates?channel=email&locale=en", Ct)).StatusCode);
    }

    [Fact]
    public async Task Templates_are_for_admins_only()
    {
        using var student = factory.ClientFor(Guid.NewGuid());
        var id = Guid.Parse("5eed0000-0000-0000-0000-000000000001");

        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync("/api/notifications/templates", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PostAsJsonAsync("/api/notifications/templates",
            new { type_key = "media_ready", channel = "email", locale = "ru", subject = "x", body = "x" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PostAsJsonAsync($"/api/notifications/templates/{id}/preview", new { }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.DeleteAsync($"/api/notifications/templates/{id}", Ct)).StatusCode);
    }

    private static async Task<Guid> FindAsync(HttpClient admin, string type, string channel, string locale) =>
        (await admin.GetFromJsonAsync<JsonElement>($"/api/notifications/templates?type_key={type}&channel={channel}&locale={locale}", Ct))
            .EnumerateArray().Single().GetProperty("id").GetGuid();
}
