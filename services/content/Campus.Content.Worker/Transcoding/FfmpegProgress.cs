using System.Globalization;

namespace Campus.Content.Worker.Transcoding;

/// <summary>Reads ffmpeg's <c>-progress</c> output (<c>key=value</c> lines, one block per report).</summary>
public static class FfmpegProgress
{
    /// <summary>
    /// The encoded position from an <c>out_time_us=…</c> line (microseconds of output written so far);
    /// false for every other line and for <c>N/A</c>, which ffmpeg prints before the first frame.
    /// </summary>
    public static bool TryParseOutTime(string line, out TimeSpan outTime)
    {
        outTime = default;
        const string Key = "out_time_us=";
        if (!line.StartsWith(Key, StringComparison.Ordinal)
            || !long.TryParse(line.AsSpan(Key.Length), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var microseconds)
            || microseconds < 0)
        {
            return false;
        }
        outTime = TimeSpan.FromMicroseconds(microseconds);
        return true;
    }

    /// <summary>
    /// Percent done for a position in a source of <paramref name="durationSeconds"/>: 0–99, never 100, because
    /// the job is not done before its output is uploaded (the worker sets 100 with <c>ready</c>). 0 when the
    /// duration is unknown.
    /// </summary>
    public static int Percent(TimeSpan outTime, double? durationSeconds)
    {
        if (durationSeconds is not > 0)
        {
            return 0;
        }
        var percent = outTime.TotalSeconds / durationSeconds.Value * 100;
        return (int)Math.Clamp(Math.Floor(percent), 0, 99);
    }
}
