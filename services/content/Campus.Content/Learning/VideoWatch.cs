using System.Text.Json;
using System.Text.Json.Serialization;

namespace Campus.Content.Learning;

/// <summary>
/// The watched parts of one video for one learner: merged intervals (seconds) plus the recent play cursors, one per
/// player that is playing (two tabs are two cursors). A heartbeat at position p continues the cursor just before it when
/// the advance is plausible for the time elapsed since that cursor's heartbeat; the interval between them is then
/// watched. Anything else (a seek, a jump to the end, a first heartbeat) only starts a new cursor. Pure: the caller
/// stores the result with optimistic concurrency.
/// </summary>
public sealed class VideoWatch
{
    public const int MaxCursors = 8;

    [JsonPropertyName("w")]
    public List<double[]> Watched { get; set; } = [];

    /// <summary>[position seconds, unix milliseconds of the heartbeat].</summary>
    [JsonPropertyName("c")]
    public List<double[]> Cursors { get; set; } = [];

    public static VideoWatch Parse(string? json) =>
        string.IsNullOrEmpty(json) ? new VideoWatch() : JsonSerializer.Deserialize(json, VideoWatchJson.Default.VideoWatch) ?? new VideoWatch();

    public string ToJson() => JsonSerializer.Serialize(this, VideoWatchJson.Default.VideoWatch);

    public double WatchedSeconds => Watched.Sum(w => w[1] - w[0]);

    /// <summary>Applies a heartbeat at <paramref name="position"/> received at <paramref name="now"/>.</summary>
    public void Heartbeat(double position, DateTimeOffset now, LearningOptions options)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var lifetimeMs = options.CursorLifetime.TotalMilliseconds;
        Cursors.RemoveAll(c => nowMs - c[1] > lifetimeMs || c[1] > nowMs + 60_000);

        double[]? best = null;
        foreach (var cursor in Cursors)
        {
            var elapsed = Math.Max(0, (nowMs - cursor[1]) / 1000.0);
            var advance = position - cursor[0];
            if (advance >= 0 && advance <= elapsed * options.MaxPlaybackRate + options.HeartbeatSlackSeconds
                && (best is null || cursor[0] > best[0]))
            {
                best = cursor;
            }
        }
        if (best is not null)
        {
            Add(best[0], position);
            best[0] = position;
            best[1] = nowMs;
            return;
        }
        Cursors.Add([position, nowMs]);
        if (Cursors.Count > MaxCursors)
        {
            Cursors.Remove(Cursors.MinBy(c => c[1])!);
        }
    }

    /// <summary>Adds [start, end] to the watched intervals, merging overlapping and touching ones.</summary>
    public void Add(double start, double end)
    {
        if (end <= start)
        {
            return;
        }
        var merged = new List<double[]>(Watched.Count + 1);
        var s = start;
        var e = end;
        foreach (var w in Watched.OrderBy(w => w[0]))
        {
            if (w[1] < s || w[0] > e)
            {
                merged.Add(w);
            }
            else
            {
                s = Math.Min(s, w[0]);
                e = Math.Max(e, w[1]);
            }
        }
        merged.Add([s, e]);
        merged.Sort((a, b) => a[0].CompareTo(b[0]));
        Watched = merged;
    }
}

[JsonSerializable(typeof(VideoWatch))]
internal sealed partial class VideoWatchJson : JsonSerializerContext;
