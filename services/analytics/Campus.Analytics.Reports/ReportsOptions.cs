using System.ComponentModel.DataAnnotations;
using Campus.ServiceDefaults;

namespace Campus.Analytics.Reports;

/// <summary>Settings of report requests and the report worker (configuration section <c>Reports</c>).</summary>
public sealed class ReportsOptions
{
    public const string Section = "Reports";

    /// <summary>How long a ready file is kept; then it is deleted and the request becomes <c>expired</c>.</summary>
    [TimeSpanRange("00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Lifetime of the presigned GET a download redirects to.</summary>
    [TimeSpanRange("00:00:10", "1.00:00:00")]
    public TimeSpan DownloadUrlExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Requests one user may have queued or running at once (429 beyond).</summary>
    [Range(1, 100)]
    public int MaxActivePerUser { get; set; } = 5;

    /// <summary>The zone dates are shown in when the requester's profile names none (or an unknown one).</summary>
    [Required]
    public string DefaultTimeZone { get; set; } = "Europe/Moscow";

    /// <summary>Runs of one request (first included) before it fails for good; a run killed mid-report counts.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long a running request stays claimed without a heartbeat; then the sweeper re-queues it.</summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running report writes its progress and renews its lease (and notices a cancel).</summary>
    [TimeSpanRange("00:00:00.050", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the worker's sweeper re-queues requests whose lease ran out and expires old files.</summary>
    [TimeSpanRange("00:00:00.100", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Rows a PDF holds at most; past it the PDF says to order the XLSX.</summary>
    [Range(10, 100_000)]
    public int PdfMaxRows { get; set; } = 10_000;

    /// <summary>Data rows per XLSX sheet (Excel's limit is 1,048,575 below the header); more go on a next sheet.</summary>
    [Range(10, 1_048_575)]
    public int XlsxRowsPerSheet { get; set; } = 1_048_575;

    /// <summary>Bytes per part of the multipart upload of an XLSX (memory per running report is about one part).</summary>
    [Range(5 * 1024 * 1024, 64 * 1024 * 1024)]
    public int UploadPartSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Reports one worker process generates at once (also its prefetch on <c>analytics.reports</c>).</summary>
    [Range(1, 8)]
    public int Concurrency { get; set; } = 1;
}
