using System.Net;
using System.Net.Http.Json;
using Campus.Notifications.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

/// <summary>Real events on the broker → notification rows and delivery messages.</summary>
public sealed class ConsumerTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(factory.WaitUntilReadyAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Email_confirmation_is_rendered_with_a_working_link_and_handed_to_the_worker()
    {
        await using var probe = await DeliveryProbeAsync(factory);
        var user = Guid.NewGuid();
        var token = "tok-" + Guid.NewGuid().ToString("N");
        await factory.PublishAsync("auth.user.email_confirmation_requested", new
        {
            id = Guid.NewGuid(), type = "auth.user.email_confirmation_requested", occurred_at = DateTimeOffset.UtcNow,
            user_id = user, email = "new@example.org", token, expires_at = new DateTimeOffset(2030, 1, 2, 3, 4, 0, TimeSpan.Zero),
        });

        var notification = await WaitForSingleAsync(user);
        Assert.Equal(("email_confirmation", "email", "new@example.org", NotificationStatus.Pending, 0),
            (notification.TypeKey, notification.Channel, notification.Recipient, notification.Status, notification.Attempts));
        Assert.Equal("Подтвердите адрес электронной почты", notification.Subject); // a new contact reads Russian
        Assert.Contains($"href=\"{NotificationsFactory.LinkBaseUrl}/confirm-email?token={token}\"", notification.Body);
        Assert.Contains("2030-01-02 03:04 UTC", notification.Body);
        Assert.Equal([notification.Id], await DeliveriesAsync(factory, probe, 1));
        Assert.Equal("new@example.org", (await factory.QueryAsync(db => db.Contacts.SingleAsync(c => c.UserId == user, Ct))).Email);
    }

    [Fact]
    public async Task A_redelivered_event_creates_nothing_new()
    {
        await using var probe = await DeliveryProbeAsync(factory);
        var settled = factory.Settled("notifications.auth-events");
        var user = Guid.NewGuid();
        var evt = new
        {
            id = Guid.NewGuid(), type = "auth.user.password_reset_requested", occurred_at = DateTimeOffset.UtcNow,
            user_id = user, email = "again@example.org", token = "reset-token", expires_at = DateTimeOffset.UtcNow.AddMinutes(15),
        };

        await factory.PublishAsync("auth.user.password_reset_requested", evt);
        var first = await WaitForSingleAsync(user);
        await factory.PublishAsync("auth.user.password_reset_requested", evt);
        await factory.PublishAsync("auth.user.password_reset_requested", evt);

        await Wait.UntilAsync(() => factory.Settled("notifications.auth-events") >= settled + 3);
        Assert.Equal([first.Id], await DeliveriesAsync(factory, probe, 1));
        Assert.Single(await factory.QueryAsync(db => db.Notifications.Where(n => n.UserId == user).ToListAsync(Ct)));
        Assert.Contains($"{NotificationsFactory.LinkBaseUrl}/reset-password?token=reset-token", first.Body);
        Assert.Equal(0u, await Testing.RabbitMqTestScope.MessageCountAsync(factory.Broker.QueuePrefix + "notifications.auth-events.dlq"));
    }

    [Fact]
    public async Task A_critical_type_is_sent_even_when_a_setting_says_off()
    {
        var user = Guid.NewGuid();
        // The API refuses this (422); a row written some other way must still not block a password reset.
        await factory.QueryAsync(db =>
        {
            db.UserSettings.Add(new UserSetting { UserId = user, TypeKey = "password_reset", Channel = "email", Enabled = false });
            return db.SaveChangesAsync(Ct);
        });
        await factory.PublishAsync("auth.user.password_reset_requested", new
        {
            id = Guid.NewGuid(), user_id = user, email = "critical@example.org", token = "t", expires_at = DateTimeOffset.UtcNow.AddMinutes(15),
        });

        Assert.Equal("critical@example.org", (await WaitForSingleAsync(user)).Recipient);
    }

    [Fact]
    public async Task Media_ready_reaches_the_owner_on_every_channel_with_a_recipient_in_their_locale()
    {
        await using var probe = await DeliveryProbeAsync(factory);
        var owner = Guid.NewGuid();
        await factory.PublishAsync("auth.user.registered", new { id = Guid.NewGuid(), user_id = owner, phone = "+79990000001", email = "owner@example.org", roles = new[] { "author" } });
        await Wait.UntilAsync(() => factory.QueryAsync(db => db.Contacts.AnyAsync(c => c.UserId == owner && c.Email == "owner@example.org", Ct)));
        await factory.QueryAsync(db => db.Contacts.Where(c => c.UserId == owner)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.TelegramChatId, 4242L).SetProperty(x => x.Locale, "en"), Ct));

        await factory.PublishAsync("content.media.ready", new
        {
            id = Guid.NewGuid(), media_id = Guid.NewGuid(), owner_id = owner, file_name = "intro <1>.mp4", duration_seconds = 95.4, renditions = new[] { 720, 360 },
        });

        await Wait.UntilAsync(() => factory.QueryAsync(db => db.Notifications.CountAsync(n => n.UserId == owner, Ct)).ContinueWith(t => t.Result == 2, Ct));
        var rows = await factory.QueryAsync(db => db.Notifications.Where(n => n.UserId == owner).OrderBy(n => n.Channel).ToListAsync(Ct));
        var (email, telegram) = (rows[0], rows[1]);
        Assert.Equal(("email", "owner@example.org", "Video \"intro <1>.mp4\" is ready"), (email.Channel, email.Recipient, email.Subject));
        Assert.Contains("intro &lt;1&gt;.mp4", email.Body); // HTML-escaped in the e-mail body
        Assert.Contains("1:35", email.Body);
        Assert.Equal(("telegram", "4242", null), (telegram.Channel, telegram.Recipient, telegram.Subject));
        Assert.Equal("Your video \"intro <1>.mp4\" is processed (1:35, renditions: 360p, 720p) and ready to publish.", telegram.Body);
        Assert.Equal(rows.Select(r => r.Id).Order(), (await DeliveriesAsync(factory, probe, 2)).Order());
    }

    [Fact]
    public async Task A_media_event_published_before_the_file_name_rename_still_names_the_file()
    {
        // content wrote `filename` before it became `file_name`; such a message may be in flight during a rolling deploy.
        var owner = Guid.NewGuid();
        await factory.QueryAsync(db =>
        {
            db.Contacts.Add(new Contact { UserId = owner, TelegramChatId = 78, UpdatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync(Ct);
        });

        await factory.PublishAsync("content.media.failed", new { id = Guid.NewGuid(), media_id = Guid.NewGuid(), owner_id = owner, filename = "old.mov", error = "unsupported codec" });

        var only = await WaitForSingleAsync(owner);
        Assert.Contains("old.mov", only.Body);
    }

    [Fact]
    public async Task A_channel_the_user_turned_off_gets_nothing()
    {
        var owner = Guid.NewGuid();
        await factory.QueryAsync(db =>
        {
            db.Contacts.Add(new Contact { UserId = owner, Email = "quiet@example.org", TelegramChatId = 77, UpdatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync(Ct);
        });
        using var client = factory.ClientFor(owner);
        var put = await client.PutAsJsonAsync("/api/notifications/settings",
            new { items = new[] { new { type_key = "media_failed", channel = "email", enabled = false } } }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await factory.PublishAsync("content.media.failed", new { id = Guid.NewGuid(), media_id = Guid.NewGuid(), owner_id = owner, file_name = "a.mov", error = "unsupported codec" });

        var only = await WaitForSingleAsync(owner);
        Assert.Equal(("telegram", "77"), (only.Channel, only.Recipient));
        Assert.Contains("unsupported codec", only.Body);
    }

    [Fact]
    public async Task A_published_course_reaches_every_contact_except_its_author()
    {
        var (author, first, second, third) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await factory.QueryAsync(db =>
        {
            db.Contacts.Add(new Contact { UserId = author, Email = "author@example.org", UpdatedAt = DateTimeOffset.UtcNow });
            db.Contacts.Add(new Contact { UserId = first, Email = "first@example.org", UpdatedAt = DateTimeOffset.UtcNow });
            db.Contacts.Add(new Contact { UserId = second, TelegramChatId = 1002, Locale = "en", UpdatedAt = DateTimeOffset.UtcNow });
            db.Contacts.Add(new Contact { UserId = third, UpdatedAt = DateTimeOffset.UtcNow }); // nothing to reach them on
            return db.SaveChangesAsync(Ct);
        });
        var course = Guid.NewGuid();
        var settled = factory.Settled("notifications.content-events");

        await factory.PublishAsync("content.course.published", new { id = Guid.NewGuid(), course_id = course, title = "Security basics", author_id = author });

        var users = new[] { author, first, second, third };
        await Wait.UntilAsync(() => factory.Settled("notifications.content-events") >= settled + 1);
        var rows = await factory.QueryAsync(db => db.Notifications.Where(n => users.Contains(n.UserId)).ToListAsync(Ct));
        Assert.Equal(2, rows.Count);
        var email = Assert.Single(rows, r => r.UserId == first);
        Assert.Equal(("email", "Новый курс: Security basics"), (email.Channel, email.Subject));
        Assert.Contains($"{NotificationsFactory.LinkBaseUrl}/courses/{course}", email.Body);
        var telegram = Assert.Single(rows, r => r.UserId == second);
        Assert.Equal($"New course on Campus: \"Security basics\"\n{NotificationsFactory.LinkBaseUrl}/courses/{course}", telegram.Body);
    }

    [Fact]
    public async Task A_course_archived_and_published_again_is_not_announced_again()
    {
        var (author, reader) = (Guid.NewGuid(), Guid.NewGuid());
        await factory.QueryAsync(db =>
        {
            db.Contacts.Add(new Contact { UserId = reader, Email = "reader@example.org", UpdatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync(Ct);
        });
        var course = Guid.NewGuid();
        var first = Guid.NewGuid();
        var settled = factory.Settled("notifications.content-events");
        await factory.PublishAsync("content.course.published", new { id = first, course_id = course, title = "Once", author_id = author });
        var announcement = await WaitForSingleAsync(reader);

        // Content emits a new event on every archived → published transition; each one is a fresh event id.
        await factory.PublishAsync("content.course.published", new { id = Guid.NewGuid(), course_id = course, title = "Once", author_id = author });
        await factory.PublishAsync("content.course.published", new { id = Guid.NewGuid(), course_id = course, title = "Once again", author_id = author });
        // The announcing event redelivered still counts as itself (its batches may not have finished).
        await factory.PublishAsync("content.course.published", new { id = first, course_id = course, title = "Once", author_id = author });

        await Wait.UntilAsync(() => factory.Settled("notifications.content-events") >= settled + 4);
        Assert.Equal([announcement.Id], await factory.QueryAsync(db => db.Notifications.Where(n => n.UserId == reader).Select(n => n.Id).ToListAsync(Ct)));
        Assert.Equal(first, (await factory.QueryAsync(db => db.AnnouncedCourses.SingleAsync(c => c.CourseId == course, Ct))).EventId);
        Assert.Equal(0u, await Testing.RabbitMqTestScope.MessageCountAsync(factory.Broker.QueuePrefix + "notifications.content-events.dlq"));
    }

    private async Task<Notification> WaitForSingleAsync(Guid user)
    {
        await Wait.UntilAsync(() => factory.QueryAsync(db => db.Notifications.AnyAsync(n => n.UserId == user, Ct)));
        return await factory.QueryAsync(db => db.Notifications.SingleAsync(n => n.UserId == user, Ct));
    }
}
