using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Campus.Messaging;
using Campus.Notifications.Data;
using Campus.Notifications.Sending;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Content;

/// <summary>
/// Tells a learner about their learning records: a course assigned to them, its due date near or passed, a course
/// completed. Each user's settings decide the channels, as for every type.
/// </summary>
/// <remarks>
/// Redelivery: the notifications' idempotency keys start with the event id (assigned), or — for the reminders and the
/// completion, which content promises once per enrolment and due date, or per learner and course — with an id derived
/// from exactly that (<see cref="OccurrenceId"/>), so even the same fact sent again under a new event id notifies once.
/// </remarks>
public sealed class LearningNotifications(Notifier notifier, IOptions<NotificationsOptions> options)
    : IIntegrationEventHandler<EnrolmentCreated>, IIntegrationEventHandler<EnrolmentDueSoon>,
      IIntegrationEventHandler<EnrolmentOverdue>, IIntegrationEventHandler<CourseCompleted>
{
    public Task HandleAsync(EnrolmentCreated evt, MessageContext context, CancellationToken cancellationToken)
    {
        // A learner who enrolled themselves knows it; only an assignment is news to them.
        if (!string.Equals(evt.Source, EnrolmentCreated.Assigned, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }
        var values = Values(evt.CourseId, evt.CourseTitle);
        values["due_at"] = evt.DueAt is { } due ? Format(due) : null;
        return notifier.NotifyAsync(evt.Id, NotificationTypes.CourseAssigned, [new Addressee(evt.UserId, values)], cancellationToken);
    }

    public Task HandleAsync(EnrolmentDueSoon evt, MessageContext context, CancellationToken cancellationToken)
    {
        var values = Values(evt.CourseId, evt.CourseTitle);
        values["due_at"] = Format(evt.DueAt);
        values["days_left"] = evt.DaysLeft;
        return notifier.NotifyAsync(OccurrenceId(NotificationTypes.CourseDueSoon, evt.CourseId, evt.UserId, evt.DueAt),
            NotificationTypes.CourseDueSoon, [new Addressee(evt.UserId, values)], cancellationToken);
    }

    public Task HandleAsync(EnrolmentOverdue evt, MessageContext context, CancellationToken cancellationToken)
    {
        var values = Values(evt.CourseId, evt.CourseTitle);
        values["due_at"] = Format(evt.DueAt);
        return notifier.NotifyAsync(OccurrenceId(NotificationTypes.CourseOverdue, evt.CourseId, evt.UserId, evt.DueAt),
            NotificationTypes.CourseOverdue, [new Addressee(evt.UserId, values)], cancellationToken);
    }

    public Task HandleAsync(CourseCompleted evt, MessageContext context, CancellationToken cancellationToken)
    {
        var values = Values(evt.CourseId, evt.CourseTitle);
        values["completed_at"] = Format(evt.CompletedAt);
        return notifier.NotifyAsync(OccurrenceId(NotificationTypes.CourseCompleted, evt.CourseId, evt.UserId, null),
            NotificationTypes.CourseCompleted, [new Addressee(evt.UserId, values)], cancellationToken);
    }

    /// <summary>
    /// A stable id of one fact (type, course, learner and, for the reminders, the due date), used in place of the event
    /// id in the idempotency keys: the first 16 bytes of its SHA-256.
    /// </summary>
    public static Guid OccurrenceId(string typeKey, Guid courseId, Guid userId, DateTimeOffset? dueAt)
    {
        var fact = string.Join(':', typeKey, courseId.ToString("N"), userId.ToString("N"),
            dueAt?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "-");
        return new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(fact)).AsSpan(0, 16));
    }

    private Dictionary<string, object?> Values(Guid courseId, string title) => new()
    {
        ["course_id"] = courseId.ToString(),
        ["title"] = title,
        ["link"] = options.Value.Link($"/courses/{courseId}"),
    };

    /// <summary>As the other types' dates: <c>yyyy-MM-dd HH:mm UTC</c> (notifications knows no user's time zone).</summary>
    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
