using System.Diagnostics.Metrics;
using Campus.Analytics.Reports;

namespace Campus.Analytics.Worker.Reports;

/// <summary>
/// The <c>Campus.Analytics.Worker</c> meter: report runs by type, format and outcome (<c>campus_reports_total</c>:
/// done, failed, retried), and for finished reports their wall time (<c>campus_report_duration_seconds</c>) and file
/// size (<c>campus_report_size_bytes</c>). <c>type</c> and <c>format</c> come from the catalog (6 × 2 values); every
/// series starts at 0 so dashboards and alerts see it before the first report.
/// </summary>
public sealed class ReportMetrics
{
    public const string MeterName = "Campus.Analytics.Worker";

    private static readonly string[] Outcomes = ["done", "failed", "retried"];

    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Histogram<long> _size;

    public ReportMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _runs = meter.CreateCounter<long>("campus.reports", unit: "{report}",
            description: "Report runs that ended, by type, format and outcome: done, failed (for good), retried.");
        _duration = meter.CreateHistogram<double>("campus.report.duration", unit: "s",
            description: "Wall time of a finished report run (query, rendering, upload), by type and format.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });
        _size = meter.CreateHistogram<long>("campus.report.size", unit: "By",
            description: "Size of a finished report file, by type and format.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [10_000, 100_000, 1_000_000, 10_000_000, 50_000_000, 100_000_000, 500_000_000] });
        foreach (var type in ReportCatalog.Types)
        {
            foreach (var format in ReportFormats.All)
            {
                var (typeTag, formatTag) = Tags(type, format);
                foreach (var outcome in Outcomes)
                {
                    _runs.Add(0, typeTag, formatTag, new KeyValuePair<string, object?>("outcome", outcome));
                }
            }
        }
    }

    public void Done(string type, string format, TimeSpan duration, long bytes)
    {
        var (typeTag, formatTag) = Tags(type, format);
        _runs.Add(1, typeTag, formatTag, new KeyValuePair<string, object?>("outcome", "done"));
        _duration.Record(duration.TotalSeconds, typeTag, formatTag);
        _size.Record(bytes, typeTag, formatTag);
    }

    public void Ended(string type, string format, string outcome)
    {
        var (typeTag, formatTag) = Tags(type, format);
        _runs.Add(1, typeTag, formatTag, new KeyValuePair<string, object?>("outcome", outcome));
    }

    // Only catalog values become labels: anything else (it cannot pass validation, but a label must stay bounded) is "other".
    private static (KeyValuePair<string, object?>, KeyValuePair<string, object?>) Tags(string type, string format) => (
        new("type", ReportCatalog.Find(type) is null ? "other" : type),
        new("format", ReportFormats.All.Contains(format) ? format : "other"));
}
