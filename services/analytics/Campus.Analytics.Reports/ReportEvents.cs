using Campus.Messaging;

namespace Campus.Analytics.Reports;

/// <summary>A report request to run; written through the outbox with the request row (and by the sweeper's re-queue).</summary>
[RoutingKey("analytics.report.requested")]
public sealed record ReportRequested(Guid RequestId) : IntegrationEvent
{
    /// <summary>The report worker's queue.</summary>
    public const string Queue = "analytics.reports";
}

/// <summary>A report's file is ready; notifications tells the requester and the recipients (type <c>report_ready</c>).</summary>
/// <param name="RequestId">The request; its download is <c>GET /api/analytics/reports/{request_id}/download</c>.</param>
/// <param name="UserId">The requester.</param>
/// <param name="ReportType">Report type, e.g. <c>learner_progress</c> (<c>report_type</c> on the wire: <c>type</c> is the event's own).</param>
/// <param name="Format"><c>xlsx</c> or <c>pdf</c>.</param>
/// <param name="FileName">The name the file downloads under.</param>
/// <param name="Recipients">Users sent the report besides the requester (a schedule's recipients; empty otherwise).</param>
[RoutingKey("analytics.report.ready")]
public sealed record ReportReady(Guid RequestId, Guid UserId, string ReportType, string Format, string FileName, IReadOnlyList<Guid> Recipients)
    : IntegrationEvent;
