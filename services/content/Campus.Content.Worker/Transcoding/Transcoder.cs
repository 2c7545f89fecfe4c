using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Campus.Content.Worker.Transcoding;

/// <summary>What ffprobe says about a source: display size (rotation applied), duration, whether it has sound.</summary>
public sealed record MediaProbe(int Width, int Height, double? DurationSeconds, bool HasAudio);

/// <summary>The files of a finished transcode, relative to its output directory.</summary>
/// <param name="Renditions">Heights, lowest first; each has <c>{height}p/index.m3u8</c> and its segments.</param>
/// <param name="DurationSeconds">From ffprobe; null when the container does not say.</param>
/// <param name="Poster">The poster JPEG's file name, or null when ffmpeg produced none (a source shorter than the poster time).</param>
public sealed record TranscodeResult(IReadOnlyList<int> Renditions, double? DurationSeconds, string? Poster)
{
    public const string MasterPlaylist = "master.m3u8";
    public const string VariantPlaylist = "index.m3u8";
}

/// <summary>
/// ffprobe + one ffmpeg run: a source becomes an HLS ladder (H.264 + stereo AAC, MPEG-TS segments of
/// <see cref="TranscodeOptions.SegmentSeconds"/>, a master playlist) and a poster JPEG. Stateless; knows nothing of
/// S3 or the database.
/// </summary>
public sealed partial class Transcoder(IOptions<TranscodeOptions> options)
{
    private readonly TranscodeOptions _options = options.Value;

    /// <summary>
    /// Probes <paramref name="input"/> as <paramref name="format"/>; a file ffprobe cannot read that way, or one without
    /// video, is a permanent <see cref="TranscodeException"/>.
    /// </summary>
    public async Task<MediaProbe> ProbeAsync(string input, SourceFormat format, CancellationToken cancellationToken)
    {
        var result = await ToolProcess.RunAsync(_options.FfprobePath,
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", .. format.InputArguments(input)],
            onOutputLine: null, _options.MaxRunTime, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw Failure("The file is not a video ffprobe can read.", result, input);
        }
        return ParseProbe(result.StandardOutput)
            ?? throw new TranscodeException("The file has no video stream.", null, isPermanent: true);
    }

    /// <summary>
    /// Transcodes <paramref name="input"/>, read as <paramref name="format"/>, into <paramref name="outputDirectory"/>
    /// (created if missing) and reports percent done (0–99) through <paramref name="progress"/>. Cancelling kills ffmpeg.
    /// </summary>
    public async Task<TranscodeResult> TranscodeAsync(string input, SourceFormat format, string outputDirectory, Action<int>? progress,
        CancellationToken cancellationToken)
    {
        var probe = await ProbeAsync(input, format, cancellationToken);
        var renditions = Ladder.For(probe.Height);
        Directory.CreateDirectory(outputDirectory);
        var poster = Path.Combine(outputDirectory, "poster.jpg");
        var arguments = BuildArguments(input, format, outputDirectory, probe, renditions);

        var result = await ToolProcess.RunAsync(_options.FfmpegPath, arguments, line =>
        {
            if (progress is not null && FfmpegProgress.TryParseOutTime(line, out var outTime))
            {
                progress(FfmpegProgress.Percent(outTime, probe.DurationSeconds));
            }
        }, _options.MaxRunTime, cancellationToken);

        if (result.ExitCode != 0)
        {
            throw Failure("ffmpeg could not transcode the file.", result, input);
        }
        return new TranscodeResult([.. renditions.Select(r => r.Height)], probe.DurationSeconds, File.Exists(poster) ? "poster.jpg" : null);
    }

    /// <summary>
    /// The ffmpeg arguments for one run (public for the benchmark, which runs the same command bare). Paths are
    /// written as given; the output goes to <c>{outputDirectory}/{height}p/</c>, <c>master.m3u8</c> and <c>poster.jpg</c>.
    /// </summary>
    public IReadOnlyList<string> BuildArguments(string input, SourceFormat format, string outputDirectory, MediaProbe probe,
        IReadOnlyList<Rendition> renditions)
    {
        var n = renditions.Count;
        List<string> args = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", .. format.InputArguments(input)];
        if (!probe.HasAudio)
        {
            // No sound: a silent stereo track of the same length, so every rendition has the same shape (video + AAC)
            // and players that expect an audio track do not stall.
            if (probe.DurationSeconds is > 0)
            {
                args.AddRange(["-t", Seconds(probe.DurationSeconds.Value)]);
            }
            args.AddRange(["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]);
        }

        // One decode, split into the renditions and the poster branch.
        var posterAt = probe.DurationSeconds is > 0 ? Math.Min(5, probe.DurationSeconds.Value / 3) : 0;
        var graph = $"[0:v:0]split={n + 1}{string.Concat(Enumerable.Range(0, n).Select(i => $"[s{i}]"))}[sp];"
            + string.Concat(renditions.Select((r, i) => $"[s{i}]scale=-2:{r.Height}[v{i}];"))
            + $"[sp]select='gte(t\\,{Seconds(posterAt)})',scale=-2:'min(ih\\,720)'[poster]";
        args.AddRange(["-filter_complex", graph]);

        var audio = probe.HasAudio ? "0:a:0" : "1:a:0";
        for (var i = 0; i < n; i++)
        {
            args.AddRange(["-map", $"[v{i}]", "-map", audio]);
        }

        var segment = _options.SegmentSeconds;
        args.AddRange(["-c:v", "libx264", "-preset", _options.Preset, "-profile:v", "high", "-pix_fmt", "yuv420p",
            // A keyframe at every segment boundary and none from scene cuts: segments of exactly SegmentSeconds,
            // aligned across renditions so a player can switch at any boundary.
            "-force_key_frames", $"expr:gte(t,n_forced*{segment})", "-sc_threshold", "0"]);
        for (var i = 0; i < n; i++)
        {
            var r = renditions[i];
            args.AddRange([$"-b:v:{i}", $"{r.VideoKbps}k", $"-maxrate:v:{i}", $"{r.VideoKbps * 107 / 100}k", $"-bufsize:v:{i}", $"{r.VideoKbps * 3 / 2}k",
                $"-b:a:{i}", $"{r.AudioKbps}k"]);
        }
        args.AddRange(["-c:a", "aac", "-ac", "2", "-ar", "48000"]);
        if (!probe.HasAudio && probe.DurationSeconds is not > 0)
        {
            args.Add("-shortest");
        }
        if (_options.FfmpegThreads > 0)
        {
            args.AddRange(["-threads", _options.FfmpegThreads.ToString(CultureInfo.InvariantCulture)]);
        }
        args.AddRange(["-f", "hls", "-hls_time", segment.ToString(CultureInfo.InvariantCulture), "-hls_playlist_type", "vod",
            "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
            "-hls_segment_filename", Path.Combine(outputDirectory, "%v", "seg_%03d.ts"),
            "-master_pl_name", TranscodeResult.MasterPlaylist,
            "-var_stream_map", string.Join(' ', renditions.Select((r, i) => $"v:{i},a:{i},name:{r.Name}")),
            Path.Combine(outputDirectory, "%v", TranscodeResult.VariantPlaylist)]);

        args.AddRange(["-map", "[poster]", "-frames:v", "1", "-fps_mode", "passthrough", "-update", "1", "-q:v", "3",
            Path.Combine(outputDirectory, "poster.jpg")]);
        args.AddRange(["-progress", "pipe:1", "-nostats"]);
        return args;
    }

    /// <summary>Reads ffprobe's JSON; null when there is no video stream.</summary>
    internal static MediaProbe? ParseProbe(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [];
        var video = streams.FirstOrDefault(stream => CodecType(stream) == "video" && !IsAttachedPicture(stream));
        if (video.ValueKind != JsonValueKind.Object
            || !video.TryGetProperty("width", out var w) || !video.TryGetProperty("height", out var h)
            || w.GetInt32() < 2 || h.GetInt32() < 2)
        {
            return null;
        }
        var (width, height) = (w.GetInt32(), h.GetInt32());
        // ffmpeg rotates by the display matrix on decode (autorotate), so a portrait phone video is taller than stored.
        if (Math.Abs(Rotation(video)) % 180 == 90)
        {
            (width, height) = (height, width);
        }
        var duration = Number(root.TryGetProperty("format", out var format) ? format : default, "duration") ?? Number(video, "duration");
        var hasAudio = streams.Any(stream => CodecType(stream) == "audio");
        return new MediaProbe(width, height, duration is > 0 ? duration : null, hasAudio);
    }

    private static string? CodecType(JsonElement stream) =>
        stream.TryGetProperty("codec_type", out var type) ? type.GetString() : null;

    private static bool IsAttachedPicture(JsonElement stream) =>
        stream.TryGetProperty("disposition", out var disposition)
        && disposition.TryGetProperty("attached_pic", out var attached) && attached.ValueKind == JsonValueKind.Number && attached.GetInt32() == 1;

    private static int Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var sideData) && sideData.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var rotation) && rotation.ValueKind == JsonValueKind.Number)
                {
                    return (int)rotation.GetDouble();
                }
            }
        }
        return stream.TryGetProperty("tags", out var tags) && tags.TryGetProperty("rotate", out var rotate)
            && int.TryParse(rotate.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var degrees) ? degrees : 0;
    }

    private static double? Number(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
        && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    [GeneratedRegex(" @ 0x[0-9a-f]+\\]")]
    private static partial Regex ContextPointer();

    private static string Seconds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static TranscodeException Failure(string message, ToolResult result, string input)
    {
        // The work directory is the worker's business: the author sees the file's name only.
        var tail = result.ErrorTail.Replace(input, Path.GetFileName(input), StringComparison.Ordinal);
        var directory = Path.GetDirectoryName(input);
        if (!string.IsNullOrEmpty(directory))
        {
            tail = tail.Replace(directory + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);
        }
        // "[mov,mp4,... @ 0x55d0c1a2b180] moov atom not found": the pointer means nothing to a reader and differs per run.
        tail = ContextPointer().Replace(tail, "]");
        // Exit codes above 128 are a signal (e.g. the kernel's OOM killer): not the file's fault, worth another try.
        var killed = result.ExitCode > 128 || result.ExitCode < 0;
        return new TranscodeException(killed ? $"{message} (ffmpeg was killed, exit code {result.ExitCode})" : message, tail, isPermanent: !killed);
    }
}
