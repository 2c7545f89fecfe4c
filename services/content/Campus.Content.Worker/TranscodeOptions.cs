using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Content.Worker;

/// <summary>Settings of the transcode worker (configuration section <c>Transcode</c>).</summary>
public sealed class TranscodeOptions : IValidatableObject
{
    public const string Section = "Transcode";

    /// <summary>x264 presets, fastest first; anything else is refused at start.</summary>
    public static readonly string[] Presets =
        ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>Jobs one worker process runs at once; also its prefetch on the transcode queue.</summary>
    [Range(1, 16)]
    public int Concurrency { get; set; } = 1;

    /// <summary>ffmpeg's <c>-threads</c>; 0 lets ffmpeg choose (about one per core).</summary>
    [Range(0, 64)]
    public int FfmpegThreads { get; set; }

    /// <summary>The libx264 preset: <c>veryfast</c> runs about real time for a 1080p ladder on 2 cores; <c>medium</c> takes 1.7× longer.</summary>
    [Required]
    public string Preset { get; set; } = "veryfast";

    /// <summary>The ffmpeg executable (a name on PATH or a full path).</summary>
    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>The ffprobe executable (a name on PATH or a full path).</summary>
    [Required]
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>Where each job gets its own temporary directory; defaults to <c>{temp}/campus-transcode</c>.</summary>
    public string? WorkDir { get; set; }

    /// <summary>HLS segment length in seconds (keyframes are forced at every boundary, so every segment has this length but the last).</summary>
    [Range(2, 4)]
    public int SegmentSeconds { get; set; } = 4;

    /// <summary>How often a running job writes its progress and heartbeat.</summary>
    [TimeSpanRange("00:00:00.100", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A processing job whose heartbeat is older than this is presumed dead and re-queued (or failed) by the watchdog.</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the watchdog looks for stale jobs.</summary>
    [TimeSpanRange("00:00:00.100", "01:00:00")]
    public TimeSpan WatchdogInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Runs of one job (first included) before it is failed for good.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Longest a single ffmpeg run may take before it is killed (and the attempt counts as failed).</summary>
    [TimeSpanRange("00:00:10", "1.00:00:00")]
    public TimeSpan MaxRunTime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// After a run failed because S3 or the database was unreachable, how long the worker waits (holding the message)
    /// for its readiness checks to pass again before the retry; the run does not count toward <see cref="MaxAttempts"/>.
    /// </summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan OutageWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Objects uploaded to S3 at once.</summary>
    [Range(1, 32)]
    public int UploadConcurrency { get; set; } = 4;

    internal string EffectiveWorkDir => string.IsNullOrWhiteSpace(WorkDir)
        ? Path.Combine(Path.GetTempPath(), "campus-transcode")
        : WorkDir;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Presets.Contains(Preset, StringComparer.Ordinal))
        {
            yield return new ValidationResult($"The Preset field must be one of: {string.Join(", ", Presets)}.", [nameof(Preset)]);
        }
        if (HeartbeatTimeout < HeartbeatInterval * 3)
        {
            yield return new ValidationResult("The HeartbeatTimeout field must be at least three HeartbeatIntervals.", [nameof(HeartbeatTimeout)]);
        }
    }
}
