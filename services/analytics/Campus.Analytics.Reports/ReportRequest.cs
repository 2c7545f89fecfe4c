using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Analytics.Reports;

/// <summary>States of a report request, as stored and answered (lowercase).</summary>
public static class ReportStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Ready = "ready";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
    public const string Expired = "expired";

    /// <summary>Every state, in the order a request passes them.</summary>
    public static readonly IReadOnlyList<string> All = [Queued, Running, Ready, Failed, Canceled, Expired];

    /// <summary>States a request never leaves except to <see cref="Expired"/>.</summary>
    public static bool IsFinal(string state) => state is Ready or Failed or Canceled or Expired;
}

/// <summary>The two file formats.</summary>
public static class ReportFormats
{
    public const string Xlsx = "xlsx";
    public const string Pdf = "pdf";

    public static readonly IReadOnlyList<string> All = [Xlsx, Pdf];

    public static string ContentType(string format) => format == Pdf
        ? "application/pdf"
        : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

/// <summary>
/// One report a user asked for (or a schedule fired): its parameters, its state and, once ready, its file. The row is
/// the source of truth for the worker: a message for a request that is no longer queued (or whose running lease has not
/// run out) is acked without work.
/// </summary>
public sealed class ReportRequest
{
    public const int ErrorLength = 2000;

    public Guid Id { get; set; }

    /// <summary>Who asked; the only user who sees the request (404 for everyone else).</summary>
    public Guid UserId { get; set; }

    public string Type { get; set; } = "";
    public string Format { get; set; } = ReportFormats.Xlsx;

    /// <summary>
    /// The range (days in <see cref="TimeZone"/>), department (always set for a manager's request: their own) and course.
    /// A period is resolved into its days when the request is made (or fired), and kept as a label.
    /// </summary>
    public ReportParams Params { get; set; } = ReportParams.None;

    /// <summary><c>ru</c> or <c>en</c>: titles, headers and the file name.</summary>
    public string Locale { get; set; } = "ru";

    /// <summary>IANA zone dates and times in the file are shown in (the requester's profile zone, else Europe/Moscow).</summary>
    public string TimeZone { get; set; } = "Europe/Moscow";

    public string State { get; set; } = ReportStates.Queued;

    /// <summary>0..100 while running; 100 when ready.</summary>
    public int Progress { get; set; }

    /// <summary>Runs started (a run killed mid-report counts); the request fails after <c>Reports:MaxAttempts</c>.</summary>
    public int Attempts { get; set; }

    /// <summary>While running: the worker holding it renews this; a lease in the past means the worker died.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>The object key of the file (random; set when the run starts writing).</summary>
    public string? ObjectKey { get; set; }

    /// <summary>The multipart upload of the current run, so an upload left by a killed run can be aborted.</summary>
    public string? UploadId { get; set; }

    /// <summary>The name the file downloads under, e.g. <c>Прогресс слушателей 2026-12-01.xlsx</c>.</summary>
    public string? FileName { get; set; }

    public long? SizeBytes { get; set; }
    public long? RowCount { get; set; }

    /// <summary>True when a PDF stopped at its row limit.</summary>
    public bool Truncated { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>When a ready file is deleted and the request becomes <c>expired</c>.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>The schedule that fired it, if any.</summary>
    public Guid? ScheduleId { get; set; }

    /// <summary>The schedule's occurrence it was fired for; (schedule, occurrence) is unique.</summary>
    public DateTimeOffset? OccurrenceAt { get; set; }

    /// <summary>Users sent the report besides the requester (a schedule's recipients); they may read and download it.</summary>
    public List<Guid> Recipients { get; set; } = [];

    /// <summary>
    /// A new queued request and its <c>analytics.report.requested</c>, added to <paramref name="db"/> so that both commit
    /// together: no request without its message, no message without its row. Used by the API and by the schedules.
    /// </summary>
    public static ReportRequest Enqueue(DbContext db, ReportRequest request)
    {
        request.Id = request.Id == Guid.Empty ? Guid.CreateVersion7() : request.Id;
        request.State = ReportStates.Queued;
        db.Add(request);
        db.AddOutboxMessage(new ReportRequested(request.Id));
        return request;
    }
}

internal sealed class ReportRequestConfiguration : IEntityTypeConfiguration<ReportRequest>
{
    public void Configure(EntityTypeBuilder<ReportRequest> builder)
    {
        builder.ToTable("report_requests", table =>
        {
            table.HasCheckConstraint("ck_report_requests_state", "state IN ('queued','running','ready','failed','canceled','expired')");
            table.HasCheckConstraint("ck_report_requests_format", "format IN ('xlsx','pdf')");
            table.HasCheckConstraint("ck_report_requests_progress", "progress BETWEEN 0 AND 100");
        });
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Type).HasMaxLength(64);
        builder.Property(r => r.Format).HasMaxLength(8);
        builder.ComplexProperty(r => r.Params, ReportParams.Map);
        builder.Property(r => r.Locale).HasMaxLength(8);
        builder.Property(r => r.TimeZone).HasMaxLength(64);
        builder.Property(r => r.State).HasMaxLength(16);
        builder.Property(r => r.ObjectKey).HasMaxLength(1024);
        builder.Property(r => r.UploadId).HasMaxLength(1024);
        builder.Property(r => r.FileName).HasMaxLength(300);
        builder.Property(r => r.Error).HasMaxLength(ReportRequest.ErrorLength);
        // "Mine, newest first".
        builder.HasIndex(r => new { r.UserId, r.CreatedAt });
        // The sweeper: running leases that ran out, ready files past their expiry.
        builder.HasIndex(r => r.LeaseUntil).HasFilter("state = 'running'");
        builder.HasIndex(r => r.ExpiresAt).HasFilter("state = 'ready'");
        // Existing rows (and requests nobody else receives) have none.
        builder.Property(r => r.Recipients).HasColumnType("uuid[]").HasDefaultValueSql("'{}'");
        // Exactly one request per occurrence of a schedule, however many firing jobs run.
        builder.HasIndex(r => new { r.ScheduleId, r.OccurrenceAt }).IsUnique().HasFilter("schedule_id IS NOT NULL");
    }
}

/// <summary>The report tables in a model: call from the owning DbContext's <c>OnModelCreating</c>.</summary>
public static class ReportModel
{
    public static ModelBuilder AddReports(this ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfiguration(new ReportRequestConfiguration()).ApplyConfiguration(new ReportScheduleConfiguration());
}
