using System.Diagnostics.Metrics;

namespace Campus.Content.Worker;

/// <summary>
/// The <c>Campus.Content.Worker</c> meter: transcode runs by outcome (<c>campus_transcode_jobs_total{outcome}</c>:
/// done, failed, retried), runs in progress on this worker (<c>campus_transcode_jobs_running</c>) and the wall time of a
/// successful run (<c>campus_transcode_duration_seconds</c>: download, ffprobe + ffmpeg, upload and the database), and the
/// jobs waiting in the database by state (<c>campus_transcode_jobs_pending{state}</c>: queued, processing) as the
/// watchdog last counted them — every replica reports the same figure, so dashboards take the max.
/// </summary>
public sealed class TranscodeMetrics
{
    public const string MeterName = "Campus.Content.Worker";

    private static readonly string[] Outcomes = ["done", "failed", "retried"];

    private readonly Counter<long> _jobs;
    private readonly UpDownCounter<long> _running;
    private readonly Histogram<double> _duration;
    private long _queued;
    private long _processing;

    public TranscodeMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _jobs = meter.CreateCounter<long>("campus.transcode.jobs", unit: "{job}",
            description: "Transcode runs that ended, by outcome: done, failed (for good), retried (the message goes back to its queue).");
        _running = meter.CreateUpDownCounter<long>("campus.transcode.jobs.running", unit: "{job}",
            description: "Transcode runs in progress on this worker.");
        _duration = meter.CreateHistogram<double>("campus.transcode.duration", unit: "s",
            description: "Wall time of a successful transcode run: download, ffprobe + ffmpeg, upload of the renditions, database.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600] });
        meter.CreateObservableGauge("campus.transcode.jobs.pending", () => new Measurement<long>[]
            {
                new(Volatile.Read(ref _queued), new KeyValuePair<string, object?>("state", "queued")),
                new(Volatile.Read(ref _processing), new KeyValuePair<string, object?>("state", "processing")),
            }, unit: "{job}",
            description: "Transcode jobs in the database by state (queued, processing), as the watchdog last counted them.");
        foreach (var outcome in Outcomes)
        {
            _jobs.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
        _running.Add(0);
    }

    /// <summary>The watchdog's last count of the jobs not finished yet.</summary>
    public void Pending(long queued, long processing)
    {
        Volatile.Write(ref _queued, queued);
        Volatile.Write(ref _processing, processing);
    }

    public void Started() => _running.Add(1);

    /// <summary>Counts the end of a run; <paramref name="duration"/> is recorded for <c>done</c> only.</summary>
    public void Ended(string outcome, TimeSpan? duration = null)
    {
        _running.Add(-1);
        _jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (duration is { } d)
        {
            _duration.Record(d.TotalSeconds);
        }
    }
}
