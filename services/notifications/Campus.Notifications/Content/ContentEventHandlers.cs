using System.Globalization;
using Campus.Messaging;
using Campus.Notifications.Data;
using Campus.Notifications.Sending;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Content;

/// <summary>Tells the owner their video is ready.</summary>
public sealed class NotifyMediaReady(Notifier notifier) : IIntegrationEventHandler<MediaReady>
{
    public Task HandleAsync(MediaReady evt, MessageContext context, CancellationToken cancellationToken) =>
        notifier.NotifyAsync(evt.Id, NotificationTypes.MediaReady, [new Addressee(evt.OwnerId, new Dictionary<string, object?>
        {
            ["media_id"] = evt.MediaId.ToString(),
            ["filename"] = evt.FileName,
            ["duration_seconds"] = evt.DurationSeconds,
            ["duration"] = Duration(evt.DurationSeconds),
            ["renditions"] = string.Join(", ", evt.Renditions.Order().Select(r => r.ToString(CultureInfo.InvariantCulture) + "p")),
        })], cancellationToken);

    /// <summary><c>m:ss</c>, or <c>h:mm:ss</c> from an hour on.</summary>
    public static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, Math.Round(seconds)));
        return span.TotalHours >= 1
            ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}

/// <summary>Tells the owner their video could not be processed.</summary>
public sealed class NotifyMediaFailed(Notifier notifier) : IIntegrationEventHandler<MediaFailed>
{
    public Task HandleAsync(MediaFailed evt, MessageContext context, CancellationToken cancellationToken) =>
        notifier.NotifyAsync(evt.Id, NotificationTypes.MediaFailed, [new Addressee(evt.OwnerId, new Dictionary<string, object?>
        {
            ["media_id"] = evt.MediaId.ToString(),
            ["filename"] = evt.FileName,
            ["error"] = evt.Error,
        })], cancellationToken);
}

/// <summary>
/// Announces a published course to everyone the service can reach (every contact) except its author; each user's
/// settings decide the channels. Users are taken in batches by id, one transaction per batch; a retry after a failed
/// batch skips the rows already written (idempotency keys).
/// </summary>
/// <remarks>
/// A course is announced once: the first event claims the course in <c>announced_courses</c>, and a later
/// <c>content.course.published</c> of the same course (archived and published again) is ignored, so re-publishing
/// cannot be used to e-mail everyone over and over. A redelivery of the claiming event goes on with its batches.
/// </remarks>
public sealed partial class NotifyCoursePublished(
    NotificationsDbContext db, Notifier notifier, IOptions<NotificationsOptions> options, TimeProvider time,
    ILogger<NotifyCoursePublished> logger)
    : IIntegrationEventHandler<CoursePublished>
{
    public async Task HandleAsync(CoursePublished evt, MessageContext context, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO announced_courses (course_id, event_id, announced_at) VALUES ({evt.CourseId}, {evt.Id}, {time.GetUtcNow()})
            ON CONFLICT (course_id) DO NOTHING
            """, cancellationToken);
        var announcedBy = await db.AnnouncedCourses.AsNoTracking().Where(c => c.CourseId == evt.CourseId)
            .Select(c => c.EventId).SingleAsync(cancellationToken);
        if (announcedBy != evt.Id)
        {
            LogAlreadyAnnounced(logger, evt.CourseId);
            return;
        }
        var values = new Dictionary<string, object?>
        {
            ["course_id"] = evt.CourseId.ToString(),
            ["title"] = evt.Title,
            ["link"] = options.Value.Link($"/courses/{evt.CourseId}"),
        };
        Guid? after = null;
        while (true)
        {
            var batch = await db.Contacts.AsNoTracking()
                .Where(c => c.UserId != evt.AuthorId && (after == null || c.UserId.CompareTo(after.Value) > 0))
                .OrderBy(c => c.UserId).Select(c => c.UserId).Take(options.Value.BatchSize)
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return;
            }
            await notifier.NotifyAsync(evt.Id, NotificationTypes.CoursePublished,
                [.. batch.Select(user => new Addressee(user, values))], cancellationToken);
            db.ChangeTracker.Clear();
            after = batch[^1];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Course {CourseId} was announced before; its re-publication is not announced again")]
    private static partial void LogAlreadyAnnounced(ILogger logger, Guid courseId);
}
