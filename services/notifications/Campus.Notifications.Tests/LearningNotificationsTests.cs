using System.Net;
using System.Net.Http.Json;
using Campus.Notifications.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

/// <summary>content's learning-record events on the broker → course_assigned, course_due_soon, course_overdue, course_completed.</summary>
public sealed class LearningNotificationsTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>, IAsyncLifetime
{
    private static readonly DateTimeOffset Due = new(2030, 3, 4, 5, 6, 0, TimeSpan.Zero);

    /// <summary>How many deliveries of the content queue were acked before this test, and how many it published.</summary>
    private long _settledBefore;
    private int _published;

    public async ValueTask InitializeAsync()
    {
        await factory.WaitUntilReadyAsync();
        _settledBefore = factory.Settled("notifications.content-events");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string ContentQueue => factory.Broker.QueuePrefix + "notifications.content-events";

    [Fact]
    public async Task An_assigned_course_reaches_the_learner_with_its_due_date_and_a_self_enrolment_does_not()
    {
        await using var probe = await DeliveryProbeAsync(factory);
        var (learner, manager) = (Guid.NewGuid(), Guid.NewGuid());
        await AddContactAsync(learner, "learner@example.org", telegram: 5005, locale: "ru");
        var course = Guid.NewGuid();

        await PublishAsync("content.enrolment.created", new
        {
            id = Guid.NewGuid(), course_id = Guid.NewGuid(), course_title = "Chosen", user_id = learner, source = "self",
            due_at = (DateTimeOffset?)null, assigned_by = (Guid?)null,
        });
        await PublishAsync("content.enrolment.created", new
        {
            id = Guid.NewGuid(), course_id = course, course_title = "Охрана труда <2030>", user_id = learner, source = "assigned",
            due_at = Due, assigned_by = manager,
        });

        var rows = await WaitForAsync(learner, 2);
        Assert.All(rows, r => Assert.Equal(NotificationTypes.CourseAssigned, r.TypeKey));
        var email = Assert.Single(rows, r => r.Channel == Channels.Email);
        Assert.Equal(("learner@example.org", "Вам назначен курс «Охрана труда <2030>»"), (email.Recipient, email.Subject));
        Assert.Contains("Охрана труда &lt;2030&gt;", email.Body);
        Assert.Contains("2030-03-04 05:06 UTC", email.Body);
        Assert.Contains($"href=\"{NotificationsFactory.LinkBaseUrl}/courses/{course}\"", email.Body);
        var telegram = Assert.Single(rows, r => r.Channel == Channels.Telegram);
        Assert.Equal($"Вам назначен курс «Охрана труда <2030>», срок — до 2030-03-04 05:06 UTC.\n{NotificationsFactory.LinkBaseUrl}/courses/{course}", telegram.Body);
        Assert.Equal(rows.Select(r => r.Id).Order(), (await DeliveriesAsync(factory, probe, 2)).Order());
    }

    [Fact]
    public async Task An_assignment_without_a_due_date_says_none_in_english()
    {
        var learner = Guid.NewGuid();
        await AddContactAsync(learner, "en@example.org", telegram: null, locale: "en");

        await PublishAsync("content.enrolment.created", new
        {
            id = Guid.NewGuid(), course_id = Guid.NewGuid(), course_title = "Onboarding", user_id = learner, source = "assigned",
            due_at = (DateTimeOffset?)null, assigned_by = Guid.NewGuid(),
        });

        var email = Assert.Single(await WaitForAsync(learner, 1));
        Assert.Equal("Course assigned: Onboarding", email.Subject);
        Assert.DoesNotContain("complete it by", email.Body);
    }

    [Fact]
    public async Task Due_soon_overdue_and_completed_notify_once_even_when_sent_again_under_new_event_ids()
    {
        var learner = Guid.NewGuid();
        await AddContactAsync(learner, "late@example.org", telegram: null, locale: "en");
        var course = Guid.NewGuid();
        object DueSoon() => new { id = Guid.NewGuid(), course_id = course, course_title = "Safety", user_id = learner, due_at = Due, days_left = 3 };
        object Overdue() => new { id = Guid.NewGuid(), course_id = course, course_title = "Safety", user_id = learner, due_at = Due };
        object Completed() => new { id = Guid.NewGuid(), course_id = course, course_title = "Safety", user_id = learner, completed_at = Due.AddDays(2) };
        var overdue = Overdue();

        await PublishAsync("content.enrolment.due_soon", DueSoon());
        await PublishAsync("content.enrolment.overdue", overdue);
        await PublishAsync("content.course.completed", Completed());
        await WaitForAsync(learner, 3);
        // Redelivered, and the same facts again under new event ids.
        await PublishAsync("content.enrolment.overdue", overdue);
        await PublishAsync("content.enrolment.overdue", Overdue());
        await PublishAsync("content.enrolment.due_soon", DueSoon());
        await PublishAsync("content.course.completed", Completed());
        await WaitUntilConsumedAsync();

        var rows = await factory.QueryAsync(db => db.Notifications.Where(n => n.UserId == learner).ToListAsync(Ct));
        Assert.Equal([NotificationTypes.CourseCompleted, NotificationTypes.CourseDueSoon, NotificationTypes.CourseOverdue],
            rows.Select(r => r.TypeKey).Order());
        Assert.Equal("\"Safety\" is due in 3 day(s)", rows.Single(r => r.TypeKey == NotificationTypes.CourseDueSoon).Subject);
        var late = rows.Single(r => r.TypeKey == NotificationTypes.CourseOverdue);
        Assert.Equal("Overdue: Safety", late.Subject);
        Assert.Contains("2030-03-04 05:06 UTC", late.Body);
        Assert.Equal("Course completed: Safety", rows.Single(r => r.TypeKey == NotificationTypes.CourseCompleted).Subject);
        Assert.Equal(0u, await RabbitMqTestScope.MessageCountAsync(ContentQueue + ".dlq"));

        // A new due date is a new fact: its overdue notifies again.
        await PublishAsync("content.enrolment.overdue", new { id = Guid.NewGuid(), course_id = course, course_title = "Safety", user_id = learner, due_at = Due.AddDays(7) });
        await WaitForAsync(learner, 4);
    }

    [Fact]
    public async Task A_learner_who_turned_the_completion_email_off_gets_only_telegram()
    {
        var learner = Guid.NewGuid();
        await AddContactAsync(learner, "quiet@example.org", telegram: 6006, locale: "ru");
        using var client = factory.ClientFor(learner);
        var put = await client.PutAsJsonAsync("/api/notifications/settings",
            new { items = new[] { new { type_key = "course_completed", channel = "email", enabled = false } } }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await PublishAsync("content.course.completed", new
        {
            id = Guid.NewGuid(), course_id = Guid.NewGuid(), course_title = "Этика", user_id = learner, completed_at = Due,
        });

        var only = Assert.Single(await WaitForAsync(learner, 1));
        Assert.Equal((Channels.Telegram, "6006"), (only.Channel, only.Recipient));
        Assert.StartsWith("Поздравляем! Вы прошли курс «Этика».", only.Body);
    }

    private Task AddContactAsync(Guid user, string email, long? telegram, string locale) => factory.QueryAsync(db =>
    {
        db.Contacts.Add(new Contact { UserId = user, Email = email, TelegramChatId = telegram, Locale = locale, UpdatedAt = DateTimeOffset.UtcNow });
        return db.SaveChangesAsync(Ct);
    });

    private async Task PublishAsync(string routingKey, object evt)
    {
        await factory.PublishAsync(routingKey, evt);
        _published++;
    }

    /// <summary>Waits until the host has acked every event this test published.</summary>
    private Task WaitUntilConsumedAsync() =>
        Wait.UntilAsync(() => factory.Settled("notifications.content-events") >= _settledBefore + _published);

    /// <summary>Waits until every event this test published is consumed, then expects <paramref name="count"/> notifications of <paramref name="user"/>.</summary>
    private async Task<List<Notification>> WaitForAsync(Guid user, int count)
    {
        await Wait.UntilAsync(async () => await factory.QueryAsync(db => db.Notifications.CountAsync(n => n.UserId == user, Ct)) >= count);
        await WaitUntilConsumedAsync();
        var rows = await factory.QueryAsync(db => db.Notifications.Where(n => n.UserId == user).ToListAsync(Ct));
        Assert.Equal(count, rows.Count);
        return rows;
    }
}
