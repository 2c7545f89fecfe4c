using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Campus.Content.Worker.Tests;

/// <summary>Tiny generated clips (ffmpeg test pattern + sine) and ffprobe helpers for asserting outputs.</summary>
public static class TestClips
{
    /// <summary>Makes an H.264 MP4 of <paramref name="seconds"/> at WxH, 25 fps, with a mono sine track unless <paramref name="audio"/> is false.</summary>
    public static async Task<string> CreateAsync(string directory, int width, int height, double seconds = 2, bool audio = true)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"clip-{width}x{height}-{(audio ? "av" : "v")}-{Guid.NewGuid():N}.mp4");
        var duration = seconds.ToString(CultureInfo.InvariantCulture);
        List<string> args = ["-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=25"];
        if (audio)
        {
            args.AddRange(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]);
        }
        args.AddRange(["-t", duration, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);
        if (audio)
        {
            args.AddRange(["-c:a", "aac", "-ac", "1"]);
        }
        args.Add(path);
        var (exit, _, error) = await RunAsync("ffmpeg", args);
        Assert.True(exit == 0, error);
        return path;
    }

    /// <summary>An MP4 signature (an <c>ftyp</c> box) and then random bytes: what a corrupt upload that passed its check looks like.</summary>
    public static string CreateCorrupt(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"corrupt-{Guid.NewGuid():N}.mp4");
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        byte[] ftyp = [0, 0, 0, 0x14, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m', 0, 0, 2, 0,
            (byte)'i', (byte)'s', (byte)'o', (byte)'m'];
        ftyp.CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// A file that is not a video but makes ffmpeg open <paramref name="target"/> when ffmpeg picks the format by probing:
    /// an HLS playlist (<c>hls</c>) or a concat list (<c>concat</c>) naming it.
    /// </summary>
    public static string CreateReferenceTo(string directory, string target, string kind, string fileName)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, kind switch
        {
            "hls" => $"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n{target}\n#EXT-X-ENDLIST\n",
            "concat" => $"ffconcat version 1.0\nfile '{Path.GetFileName(target)}'\n",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        });
        return path;
    }

    /// <summary>ffprobe's streams of a file or playlist.</summary>
    public static async Task<JsonElement[]> StreamsAsync(string path)
    {
        var (exit, output, error) = await RunAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_streams", path]);
        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        return [.. document.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.Clone())];
    }

    /// <summary>The EXTINF durations of a media playlist.</summary>
    public static double[] SegmentDurations(string playlist) =>
    [
        .. playlist.Split('\n')
            .Where(line => line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            .Select(line => double.Parse(line["#EXTINF:".Length..].TrimEnd(',', '\r'), CultureInfo.InvariantCulture)),
    ];

    /// <summary>The variant URIs of a master playlist (its non-comment lines).</summary>
    public static string[] Variants(string master) =>
        [.. master.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string executable, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
