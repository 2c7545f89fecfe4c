namespace Campus.Content.Worker.Transcoding;

/// <summary>One HLS rendition: its height (the <c>480p</c> in its name) and target bitrates.</summary>
public sealed record Rendition(int Height, int VideoKbps, int AudioKbps)
{
    /// <summary>The variant's directory and name in the master playlist, e.g. <c>720p</c>.</summary>
    public string Name => $"{Height}p";
}

/// <summary>The bitrate ladder: 480p, 720p and 1080p, never upscaled.</summary>
public static class Ladder
{
    /// <summary>The full ladder, lowest first.</summary>
    public static IReadOnlyList<Rendition> Full { get; } =
    [
        new(480, 1400, 128),
        new(720, 2800, 128),
        new(1080, 5000, 128),
    ];

    /// <summary>
    /// The renditions for a source <paramref name="sourceHeight"/> pixels high: every ladder step not above it
    /// (a 1440p source still gets 480/720/1080, a 720p source 480/720). A source lower than the lowest step gets a
    /// single rendition at its own height (rounded down to even, as H.264 4:2:0 needs), so a small clip is playable
    /// rather than refused or blown up.
    /// </summary>
    public static IReadOnlyList<Rendition> For(int sourceHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceHeight, 2);
        var steps = Full.Where(r => r.Height <= sourceHeight).ToList();
        if (steps.Count > 0)
        {
            return steps;
        }
        var height = sourceHeight & ~1;
        var lowest = Full[0];
        // Bitrate scaled with the pixel count (height², same aspect ratio), with a floor so tiny clips stay watchable.
        var kbps = Math.Max(200, (int)(lowest.VideoKbps * Math.Pow((double)height / lowest.Height, 2)));
        return [new Rendition(height, kbps, lowest.AudioKbps)];
    }
}
