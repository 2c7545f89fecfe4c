using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Analytics.Data;
using Campus.Analytics.Facts;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Analytics.Tests;

/// <summary>
/// The fact tables as the owners' events (published on the real broker, as the owners' relays would) leave them:
/// redelivered events change nothing, events out of order lose nothing.
/// </summary>
public sealed class FactsTests(AnalyticsFactory factory) : IClassFixture<AnalyticsFactory>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await factory.WaitUntilReadyAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Publishes an owner's event: <paramref name="fields"/> plus id, type and occurred_at. Returns the event id.</summary>
    private async Task<Guid> PublishAsync(string type, object fields, DateTimeOffset occurredAt, Guid? id = null)
    {
        var eventId = id ?? Guid.CreateVersion7();
        var body = JsonSerializer.SerializeToNode(fields, JsonOptions)!.AsObject();
        body["id"] = eventId;
        body["type"] = type;
        body["occurred_at"] = occurredAt;
        await factory.PublishAsync(type, body.ToJsonString(), eventId.ToString());
        return eventId;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private Task<T> QueryAsync<T>(Func<AnalyticsDbContext, Task<T>> query) => factory.QueryAsync(query);

    private async Task<T> WaitForAsync<T>(Func<AnalyticsDbContext, Task<T?>> query, Func<T, bool> condition) where T : class
    {
        T? found = null;
        await Wait.UntilAsync(async () => (found = await QueryAsync(query)) is { } value && condition(value));
        return found!;
    }

    [Fact]
    public async Task A_user_is_assembled_from_auth_and_profile_in_any_order_and_an_older_event_never_overwrites_a_newer_one()
    {
        var user = Guid.NewGuid();
        // Profile first (its newest state), then an older profile update, then auth's change and registration (older).
        await PublishAsync("profile.profile.updated", new
        {
            user_id = user, changed_fields = new[] { "department" }, changed_by = user,
            department = "Sales", time_zone = "Europe/Moscow", display_name = "Anna"
        }, T0.AddMinutes(10));
        await PublishAsync("profile.profile.updated", new
        {
            user_id = user, changed_fields = Array.Empty<string>(), changed_by = user,
            department = (string?)null, time_zone = (string?)null, display_name = (string?)null
        }, T0.AddMinutes(1));
        await PublishAsync("auth.user.changed", new { user_id = user, roles = new[] { "student", "author" }, status = "blocked" }, T0.AddMinutes(5));
        await PublishAsync("auth.user.registered", new { user_id = user, phone = "+79990001122", email = (string?)null, roles = new[] { "student" } }, T0);

        var row = await WaitForAsync(db => db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserId == user, Ct), u => u.RegisteredAt is not null);

        Assert.Equal(("Anna", "Sales", "Europe/Moscow"), (row.DisplayName, row.Department, row.TimeZone));
        Assert.Equal(["student", "author"], row.Roles);
        Assert.Equal(("blocked", "+79990001122"), (row.Status, row.Phone));
        Assert.Equal((T0, T0.AddMinutes(5), T0.AddMinutes(10)), (row.RegisteredAt!.Value, row.AuthVersion!.Value, row.ProfileVersion!.Value));
    }

    [Fact]
    public async Task A_redelivered_sign_in_counts_once_and_a_late_or_repeated_message_total_changes_nothing()
    {
        var user = Guid.NewGuid();
        var day = DateOnly.FromDateTime(T0.UtcDateTime);
        var first = await PublishAsync("auth.user.signed_in", new { user_id = user, method = "phone" }, T0);
        await PublishAsync("auth.user.signed_in", new { user_id = user, method = "phone" }, T0, first); // redelivery
        // Chat's running totals of the day: 3 (with another author's total in the same event), that event again, then an
        // older total of 1 arriving last.
        var other = Guid.NewGuid();
        var three = await PublishAsync("chat.activity.counted", new
        {
            counts = new[] { new { user_id = user, day, messages = 3 }, new { user_id = other, day, messages = 7 } },
        }, T0.AddMinutes(2));
        await PublishAsync("chat.activity.counted", new { counts = new[] { new { user_id = user, day, messages = 3 } } }, T0.AddMinutes(2), three);
        await PublishAsync("chat.activity.counted", new { counts = new[] { new { user_id = user, day, messages = 1 } } }, T0.AddMinutes(1));
        await PublishAsync("auth.user.signed_in", new { user_id = user, method = "email" }, T0.AddHours(2));

        // One consumer, in order: once the last sign-in is in, the events before it were handled too.
        await WaitForAsync(db => db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserId == user, Ct), u => u.LastSignInAt == T0.AddHours(2));
        var row = await QueryAsync(db => db.ActivityDaily.AsNoTracking().SingleAsync(a => a.UserId == user, Ct));
        Assert.Equal((day, 2, 3, 0), (row.Day, row.SignIns, row.Messages, row.MaterialsDone));
        var others = await QueryAsync(db => db.ActivityDaily.AsNoTracking().SingleAsync(a => a.UserId == other, Ct));
        Assert.Equal((day, 0, 7), (others.Day, others.SignIns, others.Messages));
    }

    [Fact]
    public async Task Enrolment_progress_counts_published_materials_and_completions_once_whatever_the_order()
    {
        var (course, author, learner, late) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var (one, two, hidden) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await PublishAsync("content.course.published", new { course_id = course, title = "Safety", author_id = author }, T0.AddMinutes(2));
        await PublishAsync("content.course.created", new { course_id = course, title = "Safety (draft)", author_id = author }, T0); // older: fills only
        foreach (var (material, published, position) in new[] { (one, true, 0), (two, true, 1), (hidden, false, 2) })
        {
            await PublishAsync("content.material.changed", new
            {
                material_id = material, course_id = course, title = "M", kind = "text",
                published, media_id = (Guid?)null, position
            }, T0.AddMinutes(1));
        }
        await PublishAsync("content.enrolment.created", new
        {
            course_id = course, course_title = "Safety", user_id = learner, source = "assigned",
            due_at = T0.AddDays(7), assigned_by = author
        }, T0.AddMinutes(3));
        var done = await PublishAsync("content.material.completed", new { course_id = course, material_id = one, user_id = learner, completed_at = T0.AddHours(1) },
            T0.AddHours(1));
        await PublishAsync("content.material.completed", new { course_id = course, material_id = one, user_id = learner, completed_at = T0.AddHours(1) },
            T0.AddHours(1), done); // redelivery
        await PublishAsync("content.material.completed", new { course_id = course, material_id = one, user_id = learner, completed_at = T0.AddHours(1) },
            T0.AddHours(1)); // the same completion again under another id (as after a rebuild): still once

        // Out of order for another learner: the course completion and a newer due date before the enrolment itself.
        await PublishAsync("content.course.completed", new { course_id = course, course_title = "Safety", user_id = late, completed_at = T0.AddHours(5) },
            T0.AddHours(5));
        await PublishAsync("content.enrolment.due_changed", new { course_id = course, course_title = "Safety", user_id = late, due_at = T0.AddDays(30) },
            T0.AddHours(4));
        await PublishAsync("content.enrolment.created", new
        {
            course_id = course, course_title = "Safety", user_id = late, source = "self",
            due_at = T0.AddDays(7), assigned_by = (Guid?)null
        }, T0.AddHours(3));

        var lateRow = await WaitForAsync(db => db.Enrolments.AsNoTracking().FirstOrDefaultAsync(e => e.CourseId == course && e.UserId == late, Ct),
            e => e.EnrolledAt is not null);
        Assert.Equal(("self", T0.AddHours(3), T0.AddDays(30), T0.AddHours(5)), (lateRow.Source, lateRow.EnrolledAt!.Value, lateRow.DueAt!.Value, lateRow.CompletedAt!.Value));
        var row = await QueryAsync(db => db.Enrolments.AsNoTracking().SingleAsync(e => e.CourseId == course && e.UserId == learner, Ct));
        Assert.Equal(("assigned", 1, 2, T0.AddDays(7)), (row.Source, row.DoneMaterials, row.TotalMaterials, row.DueAt!.Value));
        Assert.Equal(1, await QueryAsync(db => db.MaterialCompletions.CountAsync(c => c.UserId == learner, Ct)));
        Assert.Equal(1, await QueryAsync(db => db.ActivityDaily.Where(a => a.UserId == learner).SumAsync(a => a.MaterialsDone, Ct)));
        var courseRow = await QueryAsync(db => db.Courses.AsNoTracking().SingleAsync(c => c.CourseId == course, Ct));
        Assert.Equal(("Safety", "published", T0, T0.AddMinutes(2)), (courseRow.Title, courseRow.State, courseRow.CreatedAt!.Value, courseRow.PublishedAt!.Value));

        // Hiding a material the learner did not do makes the course smaller; deleting the done one takes it out of both counts.
        await PublishAsync("content.material.changed", new
        {
            material_id = two, course_id = course, title = "M", kind = "text",
            published = false, media_id = (Guid?)null, position = 1
        }, T0.AddHours(6));
        await WaitForAsync(db => db.Enrolments.AsNoTracking().FirstOrDefaultAsync(e => e.CourseId == course && e.UserId == learner, Ct),
            e => e.TotalMaterials == 1 && e.DoneMaterials == 1);
        await PublishAsync("content.material.deleted", new { material_id = one, course_id = course }, T0.AddHours(7));
        await WaitForAsync(db => db.Enrolments.AsNoTracking().FirstOrDefaultAsync(e => e.CourseId == course && e.UserId == learner, Ct),
            e => e.TotalMaterials == 0 && e.DoneMaterials == 0);

        // A withdrawn enrolment is gone.
        await PublishAsync("content.enrolment.withdrawn", new { course_id = course, course_title = "Safety", user_id = learner, withdrawn_by = author },
            T0.AddHours(8));
        await Wait.UntilAsync(async () => !await QueryAsync(db => db.Enrolments.AnyAsync(e => e.CourseId == course && e.UserId == learner, Ct)));
    }

    [Fact]
    public async Task A_delivery_keeps_its_newest_outcome_and_a_course_deletion_is_final()
    {
        var (notification, user, course) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await PublishAsync("notifications.delivery.completed", new
        {
            notification_id = notification, user_id = user, notification_type = "course_published",
            channel = "email", state = "sent", attempts = 2
        }, T0.AddMinutes(5));
        await PublishAsync("notifications.delivery.completed", new
        {
            notification_id = notification, user_id = user, notification_type = "course_published",
            channel = "email", state = "failed", attempts = 1
        }, T0); // the older outcome, late
        await PublishAsync("content.course.deleted", new { course_id = course, author_id = user }, T0.AddMinutes(9));
        await PublishAsync("content.course.published", new { course_id = course, title = "Gone", author_id = user }, T0.AddMinutes(8));
        await PublishAsync("content.media.ready", new { media_id = course, owner_id = user, file_name = "a.mp4", duration_seconds = 61.5, renditions = new[] { 360 } },
            T0.AddMinutes(10));

        await WaitForAsync(db => db.Media.AsNoTracking().FirstOrDefaultAsync(m => m.MediaId == course, Ct), m => m.State == "ready");
        var delivery = await QueryAsync(db => db.NotificationDeliveries.AsNoTracking().SingleAsync(d => d.NotificationId == notification, Ct));
        Assert.Equal(("sent", 2, T0.AddMinutes(5)), (delivery.State, delivery.Attempts, delivery.OccurredAt));
        var courseRow = await QueryAsync(db => db.Courses.AsNoTracking().SingleAsync(c => c.CourseId == course, Ct));
        Assert.Equal(("deleted", "Gone"), (courseRow.State, courseRow.Title));
    }

    [Fact]
    public async Task A_media_event_published_before_the_file_name_rename_still_records_the_file()
    {
        // content wrote `filename` before it became `file_name`; such a message may be in flight during a rolling deploy.
        var (media, user) = (Guid.NewGuid(), Guid.NewGuid());
        await PublishAsync("content.media.failed", new { media_id = media, owner_id = user, filename = "old.mov", error = "unsupported codec" }, T0);

        var row = await WaitForAsync(db => db.Media.AsNoTracking().FirstOrDefaultAsync(m => m.MediaId == media, Ct), m => m.State == "failed");
        Assert.Equal("old.mov", row.Filename);
    }

    [Fact]
    public async Task Rebuild_is_for_admins_empties_the_facts_and_asks_the_owners_and_their_snapshots_refill_them()
    {
        using var student = Client("student");
        var refused = await student.PostAsync("/api/analytics/admin/rebuild", null, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("admin_required", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());

        var (user, course) = (Guid.NewGuid(), Guid.NewGuid());
        await PublishAsync("auth.user.signed_in", new { user_id = user, method = "phone" }, T0);
        await WaitForAsync(db => db.ActivityDaily.AsNoTracking().FirstOrDefaultAsync(a => a.UserId == user, Ct), _ => true);

        using var admin = Client("admin");
        var accepted = await admin.PostAsync("/api/analytics/admin/rebuild", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var rebuildId = (await accepted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("rebuild_id").GetGuid();
        Assert.False(await QueryAsync(db => db.ActivityDaily.AnyAsync(Ct)));
        Assert.False(await QueryAsync(db => db.ProcessedEvents.AnyAsync(Ct)));
        var request = Assert.Single(await factory.Database.OutboxEventsAsync("analytics.rebuild.requested"));
        Assert.Equal(rebuildId, request.GetProperty("rebuild_id").GetGuid());

        // The owners answer with their snapshots.
        var now = DateTimeOffset.UtcNow;
        await PublishAsync("auth.user.snapshot", new
        {
            user_id = user, phone = "+79990002233", email = (string?)null, roles = new[] { "student" },
            status = "active", registered_at = T0, last_sign_in_at = T0
        }, now);
        await PublishAsync("profile.profile.snapshot", new { user_id = user, display_name = "Oleg", department = "IT", time_zone = "Europe/Moscow" }, now);
        await PublishAsync("content.course.snapshot", new
        {
            course_id = course, title = "Safety", author_id = user, state = "published",
            created_at = T0, published_at = T0
        }, now);
        var material = Guid.NewGuid();
        await PublishAsync("content.material.snapshot", new
        {
            material_id = material, course_id = course, title = "M", kind = "video",
            published = true, media_id = Guid.NewGuid(), position = 0
        }, now);
        await PublishAsync("content.enrolment.snapshot", new
        {
            course_id = course, user_id = user, source = "self", enrolled_at = T0,
            due_at = (DateTimeOffset?)null, done_materials = 1, total_materials = 1, completed_at = T0.AddHours(1), overdue_at = (DateTimeOffset?)null
        }, now);
        await PublishAsync("content.material_completion.snapshot", new { course_id = course, material_id = material, user_id = user, completed_at = T0.AddHours(1) }, now);
        await PublishAsync("chat.activity.counted", new { counts = new[] { new { user_id = user, day = DateOnly.FromDateTime(T0.UtcDateTime), messages = 4 } } }, now);
        await PublishAsync("notifications.delivery.snapshot", new
        {
            notification_id = Guid.NewGuid(), user_id = user, notification_type = "course_completed",
            channel = "telegram", state = "sent", attempts = 1
        }, now);

        await WaitForAsync(db => db.NotificationDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == user, Ct), _ => true);
        var row = await QueryAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.UserId == user, Ct));
        Assert.Equal(("Oleg", "IT", "+79990002233", T0), (row.DisplayName, row.Department, row.Phone, row.RegisteredAt!.Value));
        var enrolment = await QueryAsync(db => db.Enrolments.AsNoTracking().SingleAsync(e => e.UserId == user, Ct));
        Assert.Equal((1, 1, T0.AddHours(1)), (enrolment.DoneMaterials, enrolment.TotalMaterials, enrolment.CompletedAt!.Value));
        var day = await QueryAsync(db => db.ActivityDaily.AsNoTracking().SingleAsync(a => a.UserId == user, Ct));
        Assert.Equal((4, 1), (day.Messages, day.MaterialsDone));
    }

    [Fact]
    public async Task The_inbox_forgets_event_ids_after_its_retention()
    {
        var (old, recent) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var db = factory.Database.CreateContext())
        {
            db.ProcessedEvents.AddRange(
                new ProcessedEvent { EventId = old, ProcessedAt = DateTimeOffset.UtcNow - InboxPruner.Retention - TimeSpan.FromMinutes(1) },
                new ProcessedEvent { EventId = recent, ProcessedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        await factory.Services.GetRequiredService<InboxPruner>().PruneAsync(Ct);

        var left = await QueryAsync(db => db.ProcessedEvents.Where(p => p.EventId == old || p.EventId == recent).Select(p => p.EventId).ToListAsync(Ct));
        Assert.Equal([recent], left);
    }

    private HttpClient Client(string roles)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Jwt.CreateToken(Guid.NewGuid(), roles));
        return client;
    }
}
