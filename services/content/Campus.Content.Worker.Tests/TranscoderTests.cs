using Campus.Content.Worker.Transcoding;
using Microsoft.Extensions.Options;

namespace Campus.Content.Worker.Tests;

/// <summary>The clips the transcoder tests share, made once per class.</summary>
public sealed class ClipFixture : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "campus-transcode-tests", Guid.NewGuid().ToString("N"));

    public string Clip720 { get; private set; } = "";

    public string Clip360Silent { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Clip720 = await TestClips.CreateAsync(Directory, 1280, 720);
        Clip360Silent = await TestClips.CreateAsync(Directory, 640, 360, audio: false);
    }

    public ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class TranscoderTests(ClipFixture clips) : IClassFixture<ClipFixture>, IDisposable
{
    private readonly string _output = Path.Combine(clips.Directory, "out-" + Guid.NewGuid().ToString("N"));
    private readonly Transcoder _transcoder = new(Options.Create(new TranscodeOptions { Preset = "ultrafast", SegmentSeconds = 2 }));

    [Fact]
    public async Task Probe_reads_height_duration_and_audio()
    {
        var probe = await _transcoder.ProbeAsync(clips.Clip720, SourceFormat.Mov, TestContext.Current.CancellationToken);

        Assert.Equal((1280, 720, true), (probe.Width, probe.Height, probe.HasAudio));
        Assert.InRange(probe.DurationSeconds!.Value, 1.9, 2.1);
    }

    [Fact]
    public async Task Transcode_writes_a_master_with_renditions_not_above_the_source_and_short_segments()
    {
        var percents = new List<int>();

        var result = await _transcoder.TranscodeAsync(clips.Clip720, SourceFormat.Mov, _output, percents.Add, TestContext.Current.CancellationToken);

        Assert.Equal([480, 720], result.Renditions);
        Assert.Equal("poster.jpg", result.Poster);
        Assert.True(new FileInfo(Path.Combine(_output, "poster.jpg")).Length > 0);
        var master = await File.ReadAllTextAsync(Path.Combine(_output, TranscodeResult.MasterPlaylist), TestContext.Current.CancellationToken);
        Assert.Equal(["480p/index.m3u8", "720p/index.m3u8"], TestClips.Variants(master));
        Assert.Contains("mp4a.40.2", master, StringComparison.Ordinal);
        foreach (var height in result.Renditions)
        {
            var playlist = await File.ReadAllTextAsync(Path.Combine(_output, $"{height}p", "index.m3u8"), TestContext.Current.CancellationToken);
            var durations = TestClips.SegmentDurations(playlist);
            Assert.NotEmpty(durations);
            Assert.All(durations, d => Assert.InRange(d, 0.01, 2.0 + 1e-6));
            Assert.InRange(durations.Sum(), 1.9, 2.1);
            Assert.Contains("#EXT-X-ENDLIST", playlist, StringComparison.Ordinal);
        }
        Assert.NotEmpty(percents);
        Assert.All(percents, p => Assert.InRange(p, 0, 99));
        Assert.Equal(percents.Order(), percents);
    }

    [Fact]
    public async Task Output_has_h264_at_each_height_and_stereo_aac()
    {
        await _transcoder.TranscodeAsync(clips.Clip720, SourceFormat.Mov, _output, null, TestContext.Current.CancellationToken);

        var streams = await TestClips.StreamsAsync(Path.Combine(_output, "480p", "index.m3u8"));
        var video = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "video");
        var audio = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal(("h264", 480), (video.GetProperty("codec_name").GetString(), video.GetProperty("height").GetInt32()));
        Assert.Equal(("aac", 2), (audio.GetProperty("codec_name").GetString(), audio.GetProperty("channels").GetInt32()));
    }

    [Fact]
    public async Task Source_without_audio_gets_a_silent_stereo_track_and_a_rendition_at_its_own_height()
    {
        var result = await _transcoder.TranscodeAsync(clips.Clip360Silent, SourceFormat.Mov, _output, null, TestContext.Current.CancellationToken);

        Assert.Equal([360], result.Renditions);
        var streams = await TestClips.StreamsAsync(Path.Combine(_output, "360p", "index.m3u8"));
        var audio = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal(("aac", 2), (audio.GetProperty("codec_name").GetString(), audio.GetProperty("channels").GetInt32()));
        var playlist = await File.ReadAllTextAsync(Path.Combine(_output, "360p", "index.m3u8"), TestContext.Current.CancellationToken);
        Assert.InRange(TestClips.SegmentDurations(playlist).Sum(), 1.9, 2.1);
    }

    [Fact]
    public async Task Corrupt_file_fails_permanently_with_ffprobes_reason_and_no_work_paths()
    {
        var corrupt = TestClips.CreateCorrupt(clips.Directory);

        var failure = await Assert.ThrowsAsync<TranscodeException>(
            () => _transcoder.TranscodeAsync(corrupt, SourceFormat.Mov, _output, null, TestContext.Current.CancellationToken));

        Assert.True(failure.IsPermanent);
        Assert.Contains("Invalid data found when processing input", failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(clips.Directory, failure.Reason, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(corrupt), failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(" @ 0x", failure.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hls", "source.m3u8")]
    [InlineData("hls", "source")]
    [InlineData("concat", "source.ffconcat")]
    public async Task Playlists_and_concat_lists_are_never_followed_to_other_files(string kind, string fileName)
    {
        // Probing would take either for its format and read the clip it names from the worker's disk.
        var reference = TestClips.CreateReferenceTo(Path.Combine(clips.Directory, Guid.NewGuid().ToString("N")), clips.Clip720, kind, fileName);

        var failure = await Assert.ThrowsAsync<TranscodeException>(
            () => _transcoder.TranscodeAsync(reference, SourceFormat.Mov, _output, null, TestContext.Current.CancellationToken));

        Assert.True(failure.IsPermanent);
        Assert.False(File.Exists(Path.Combine(_output, TranscodeResult.MasterPlaylist)));
    }

    [Fact]
    public void Every_video_type_has_a_forced_demuxer_and_only_the_file_protocol()
    {
        Assert.All(Campus.Storage.FileSignatures.Videos, type => Assert.NotNull(SourceFormat.Of(type)));
        Assert.Null(SourceFormat.Of(Campus.Storage.FileSignatures.Png));

        var arguments = _transcoder.BuildArguments("/work/source", SourceFormat.Matroska, _output, new MediaProbe(640, 360, 2, true), Ladder.For(360));

        var input = arguments.ToList().IndexOf("-i");
        Assert.Equal(["-f", "matroska", "-protocol_whitelist", "file", "-i", "/work/source"], arguments.Skip(input - 4).Take(6));
    }

    [Fact]
    public async Task Cancelling_kills_ffmpeg()
    {
        var longer = await TestClips.CreateAsync(clips.Directory, 1280, 720, seconds: 20);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var started = DateTime.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _transcoder.TranscodeAsync(longer, SourceFormat.Mov, _output, p =>
        {
            if (p > 0)
            {
                cancel.Cancel();
            }
        }, cancel.Token));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
        var (_, running, _) = await TestClips.RunAsync("pgrep", ["-f", _output]);
        Assert.Equal("", running.Trim());
    }

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }
}
