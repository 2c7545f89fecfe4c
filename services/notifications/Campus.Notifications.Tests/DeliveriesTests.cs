using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Notifications.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

public sealed class DeliveriesTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>
{
    [Fact]
    public async Task The_log_filters_by_user_type_status_and_channel_newest_first_without_bodies()
    {
        var user = Guid.NewGuid();
        var rows = await SeedAsync(user,
            ("media_ready", "email", NotificationStatus.Sent),
            ("media_ready", "telegram", NotificationStatus.Failed),
            ("course_published", "email", NotificationStatus.Pending));
        await SeedAsync(Guid.NewGuid(), ("media_ready", "email", NotificationStatus.Sent));
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");

        async Task<List<Guid>> IdsAsync(string query)
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"/api/notifications/deliveries?user_id={user}&{query}", Ct);
            return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
        }

        Assert.Equal(rows.Select(r => r.Id).Reverse(), await IdsAsync(""));
        Assert.Equal([rows[1].Id, rows[0].Id], await IdsAsync("type_key=media_ready"));
        Assert.Equal([rows[1].Id], await IdsAsync("status=failed"));
        Assert.Equal([rows[2].Id, rows[0].Id], await IdsAsync("channel=email"));
        Assert.Equal([rows[0].Id], await IdsAsync("channel=email&status=sent&type_key=media_ready"));
        Assert.Equal([rows[1].Id], await IdsAsync("limit=1&offset=1"));

        var item = (await admin.GetFromJsonAsync<JsonElement>($"/api/notifications/deliveries?user_id={user}&status=failed", Ct))
            .GetProperty("items")[0];
        Assert.Equal(("failed", "boom", 5), (item.GetProperty("status").GetString(), item.GetProperty("last_error").GetString(), item.GetProperty("attempts").GetInt32()));
        Assert.False(item.TryGetProperty("body", out _));

        foreach (var (query, code, field) in new[]
        {
            ("limit=0", "invalid_page", "limit"), ("limit=101", "invalid_page", "limit"), ("offset=-1", "invalid_page", "offset"),
            ("status=lost", "invalid_filter", "status"), ("status=Sent", "invalid_filter", "status"), ("channel=sms", "invalid_filter", "channel"),
            ("type_key=" + new string('k', 65), "invalid_filter", "type_key"),
        })
        {
            var response = await admin.GetAsync($"/api/notifications/deliveries?{query}", Ct);
            await AssertFieldErrorAsync(response, code, field);
        }
    }

    [Fact]
    public async Task A_failed_notification_is_in_the_dlq_and_a_redrive_requeues_it_once()
    {
        await factory.WaitUntilReadyAsync();
        await using var probe = await DeliveryProbeAsync(factory);
        var rows = await SeedAsync(Guid.NewGuid(), ("password_reset", "email", NotificationStatus.Failed), ("media_ready", "email", NotificationStatus.Sent));
        var (failed, sent) = (rows[0], rows[1]);
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");

        var dlq = await admin.GetFromJsonAsync<JsonElement>("/api/notifications/dlq?limit=100", Ct);
        var ids = dlq.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(failed.Id, ids);
        Assert.DoesNotContain(sent.Id, ids);

        var redriven = await admin.PostAsync($"/api/notifications/deliveries/{failed.Id}/redrive", null, Ct);
        Assert.Equal(HttpStatusCode.OK, redriven.StatusCode);
        var body = await redriven.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("pending", 0, "boom"), (body.GetProperty("status").GetString(), body.GetProperty("attempts").GetInt32(), body.GetProperty("last_error").GetString()));
        Assert.Equal([failed.Id], await DeliveriesAsync(factory, probe, 1));

        var again = await admin.PostAsync($"/api/notifications/deliveries/{failed.Id}/redrive", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("not_failed", await CodeAsync(again));
        Assert.Equal("not_failed", await CodeAsync(await admin.PostAsync($"/api/notifications/deliveries/{sent.Id}/redrive", null, Ct)));
        var missing = await admin.PostAsync($"/api/notifications/deliveries/{Guid.NewGuid()}/redrive", null, Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("delivery_not_found", await CodeAsync(missing));
        Assert.Empty(await DeliveriesAsync(factory, probe, 0));
        var row = await factory.QueryAsync(db => db.Notifications.SingleAsync(n => n.Id == failed.Id, Ct));
        Assert.Equal((NotificationStatus.Pending, 0, (DateTimeOffset?)null), (row.Status, row.Attempts, row.NextAttemptAt));
    }

    [Fact]
    public async Task The_log_and_the_dlq_are_for_admins_only()
    {
        using var student = factory.ClientFor(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync("/api/notifications/deliveries", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync("/api/notifications/dlq", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PostAsync($"/api/notifications/deliveries/{Guid.NewGuid()}/redrive", null, Ct)).StatusCode);
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/notifications/dlq", Ct)).StatusCode);
    }

    private async Task<List<Notification>> SeedAsync(Guid user, params (string Type, string Channel, NotificationStatus Status)[] rows)
    {
        var start = DateTimeOffset.UtcNow;
        var notifications = rows.Select((r, i) => new Notification
        {
            UserId = user, TypeKey = r.Type, Channel = r.Channel, Recipient = r.Channel == "email" ? "u@example.org" : "42",
            Subject = "s", Body = "secret link", Status = r.Status, Attempts = r.Status == NotificationStatus.Failed ? 5 : 1,
            LastError = r.Status == NotificationStatus.Failed ? "boom" : null, CreatedAt = start.AddSeconds(i),
            NextAttemptAt = r.Status == NotificationStatus.Failed ? start : null,
            IdempotencyKey = Guid.NewGuid().ToString("N"),
        }).ToList();
        await factory.QueryAsync(db =>
        {
            db.Notifications.AddRange(notifications);
            return db.SaveChangesAsync(Ct);
        });
        return notifications;
    }
}
