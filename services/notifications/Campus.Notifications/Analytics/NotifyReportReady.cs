using Campus.Messaging;
using Campus.Notifications.Data;
using Campus.Notifications.Sending;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Analytics;

// analytics' event, copied by its JSON shape (services share no code).

/// <summary>
/// A requested report's file is ready (<c>report_type</c>: the event's own <c>type</c> is its routing key); a scheduled
/// report names its <c>recipients</c> besides the requester (absent on older events).
/// </summary>
[RoutingKey("analytics.report.ready")]
public sealed record ReportReady(Guid RequestId, Guid UserId, string ReportType, string Format, string FileName, IReadOnlyList<Guid>? Recipients = null)
    : IntegrationEvent;

/// <summary>
/// Tells the requester and the recipients their report is ready, with a link to analytics' download endpoint (behind
/// sign-in; analytics lets the requester and the recipients through), never to the file itself: the presigned URL it
/// redirects to lives minutes, the notification may be read days later.
/// </summary>
public sealed class NotifyReportReady(Notifier notifier, IOptions<NotificationsOptions> options) : IIntegrationEventHandler<ReportReady>
{
    public Task HandleAsync(ReportReady evt, MessageContext context, CancellationToken cancellationToken)
    {
        var model = new Dictionary<string, object?>
        {
            ["request_id"] = evt.RequestId.ToString(),
            ["report_type"] = evt.ReportType,
            ["format"] = evt.Format.ToUpperInvariant(),
            ["file_name"] = evt.FileName,
            ["link"] = options.Value.Link($"/api/analytics/reports/{evt.RequestId}/download"),
        };
        IReadOnlyList<Addressee> addressees = [.. new[] { evt.UserId }.Concat(evt.Recipients ?? []).Distinct().Select(user => new Addressee(user, model))];
        return notifier.NotifyAsync(evt.Id, NotificationTypes.ReportReady, addressees, cancellationToken);
    }
}
