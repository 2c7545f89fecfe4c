using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// Acceptance for videos through the edge on the running platform: an author uploads a generated clip with
/// a plain PUT to the presigned URL, completes it, watches the transcode's progress until <c>ready</c>, and plays the
/// stream with ffmpeg; a corrupt file fails with a readable reason (and again on retry); a worker stopped mid-transcode
/// and started again still finishes the job.
/// </summary>
public sealed class MediaTranscodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The "browser": no token, straight to S3 on the presigned URL.
    private static readonly HttpClient Browser = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task A_1080p_clip_uploaded_and_completed_shows_progress_becomes_ready_and_plays_at_720p()
    {
        var author = await SignIn.WithRolesAsync("author");
        var clip = await ClipAsync(1920, 1080, seconds: 5);

        var mediaId = await UploadAndCompleteAsync(author, clip, "lecture.mp4");
        var (status, progress) = await WaitForAsync(author, mediaId, "ready", TimeSpan.FromMinutes(3));

        Assert.Contains(progress, p => p is > 0 and < 100);
        Assert.Equal(100, status.GetProperty("progress").GetInt32());
        Assert.Equal([480, 720, 1080], status.GetProperty("renditions").EnumerateArray().Select(r => r.GetInt32()));
        Assert.InRange(status.GetProperty("duration_seconds").GetDouble(), 4.9, 5.1);

        var variant = await StreamLocationAsync(author, mediaId, "720");
        var (exit, error) = await RunAsync("ffmpeg", ["-v", "error", "-i", variant, "-f", "null", "-"], TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, $"ffmpeg could not play the 720p stream: {error}");

        var master = await Browser.GetStringAsync(await StreamLocationAsync(author, mediaId, "auto"), Ct);
        var heights = master.Split('\n')
            .Where(line => line.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal))
            .Select(line => int.Parse(line.Split("RESOLUTION=")[1].Split(',')[0].Split('x')[1], CultureInfo.InvariantCulture));
        Assert.Equal([480, 720, 1080], heights.Order());
    }

    [Fact]
    public async Task A_corrupt_file_ends_failed_with_a_readable_reason_and_fails_again_cleanly_on_retry()
    {
        var author = await SignIn.WithRolesAsync("author");
        // An MP4 signature (so the upload check lets it through to the worker) followed by random bytes.
        var corrupt = new byte[256 * 1024];
        Random.Shared.NextBytes(corrupt);
        "\0\0\0\u0018ftypisom\0\0\u0002\0isomiso2"u8.ToArray().CopyTo(corrupt, 0);
        var path = Path.Combine(Path.GetTempPath(), $"campus-e2e-corrupt-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(path, corrupt, Ct);

        try
        {
            var mediaId = await UploadAndCompleteAsync(author, path, "broken.mp4");
            var (failed, _) = await WaitForAsync(author, mediaId, "failed", TimeSpan.FromMinutes(1));
            var reason = failed.GetProperty("error").GetString();
            Assert.False(string.IsNullOrWhiteSpace(reason));
            Assert.Contains("ffprobe", reason, StringComparison.Ordinal);
            Assert.DoesNotContain("/tmp/", reason, StringComparison.Ordinal);

            using var retry = await Api.SendAsync(author, HttpMethod.Post, $"api/content/media/{mediaId}/retry");
            // The retry answers after it has queued a new job, so any "failed" read from now on is that job's.
            Assert.Equal("queued", (await Api.ExpectAsync(retry, HttpStatusCode.OK)).GetProperty("status").GetString());
            var (again, _) = await WaitForAsync(author, mediaId, "failed", TimeSpan.FromMinutes(1));
            Assert.Equal(reason, again.GetProperty("error").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Stopping_the_worker_mid_transcode_and_starting_it_again_still_ends_ready()
    {
        var author = await SignIn.WithRolesAsync("author");
        // Longer than the acceptance clip, so the stop lands mid-transcode even when ./platform waits for its lock.
        var clip = await ClipAsync(1920, 1080, seconds: 12);
        var mediaId = await UploadAndCompleteAsync(author, clip, "interrupted.mp4");

        await WaitForAsync(author, mediaId, "processing", TimeSpan.FromMinutes(2));
        try
        {
            await Platform.RunAsync(Ct, "stop", "content-worker");
            using var stopped = await Api.SendAsync(author, HttpMethod.Get, $"api/content/media/{mediaId}/status");
            var status = JsonDocument.Parse(await stopped.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("status").GetString();
            Assert.True(status == "processing", $"the job should have been interrupted mid-transcode, but it is {status}");
        }
        finally
        {
            await Platform.RunAsync(CancellationToken.None, "start", "content-worker");
        }

        var (ready, _) = await WaitForAsync(author, mediaId, "ready", TimeSpan.FromMinutes(3));
        Assert.Equal([480, 720, 1080], ready.GetProperty("renditions").EnumerateArray().Select(r => r.GetInt32()));
        var (exit, error) = await RunAsync("ffmpeg", ["-v", "error", "-i", await StreamLocationAsync(author, mediaId, "480"), "-f", "null", "-"], TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, error);
    }

    /// <summary>POST upload-url, PUT the file to the presigned URL exactly as told, POST complete; returns the media id.</summary>
    internal static async Task<string> UploadAndCompleteAsync(SignIn.Session author, string file, string filename)
    {
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        using var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/media/upload-url",
            new { file_name = filename, content_type = "video/mp4", size_bytes = bytes.Length });
        var upload = await Api.ExpectAsync(created, HttpStatusCode.OK);
        var mediaId = upload.GetProperty("id").GetString()!;

        await PresignedUpload.PutAsync(upload, bytes);

        using var complete = await Api.SendAsync(author, HttpMethod.Post, $"api/content/media/{mediaId}/complete");
        await Api.ExpectAsync(complete, HttpStatusCode.OK);
        return mediaId;
    }

    /// <summary>Polls the status until it is <paramref name="expected"/>; returns it and every progress value seen on the way.</summary>
    internal static async Task<(JsonElement Status, List<int> Progress)> WaitForAsync(SignIn.Session author, string mediaId, string expected,
        TimeSpan timeout)
    {
        var progress = new List<int>();
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < timeout)
        {
            using var response = await Api.SendAsync(author, HttpMethod.Get, $"api/content/media/{mediaId}/status");
            var status = await Api.ExpectAsync(response, HttpStatusCode.OK);
            last = status.ToString();
            var current = status.GetProperty("status").GetString();
            progress.Add(status.GetProperty("progress").GetInt32());
            if (current == expected)
            {
                return (status, progress);
            }
            Assert.False(current == "failed" && expected != "failed", $"the video failed: {last}");
            Assert.False(current == "ready" && expected != "ready", $"the video became ready too soon to test this: {last}");
            await Task.Delay(200, Ct);
        }
        Assert.Fail($"the video did not become {expected} within {timeout}: {last}");
        return default;
    }

    /// <summary>Follows nothing: the 302's Location of <c>/stream?bitrate=</c>.</summary>
    internal static async Task<string> StreamLocationAsync(SignIn.Session author, string mediaId, string bitrate)
    {
        using var response = await Api.SendAsync(author, HttpMethod.Get, $"api/content/media/{mediaId}/stream?bitrate={bitrate}");
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.AbsoluteUri : new Uri(Platform.EdgeUrl, response.Headers.Location).AbsoluteUri;
    }

    internal static async Task<string> ClipAsync(int width, int height, int seconds)
    {
        var path = Path.Combine(Path.GetTempPath(), $"campus-e2e-clip-{width}x{height}-{seconds}s.mp4");
        if (!File.Exists(path))
        {
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".mp4";
            var (exit, error) = await RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", seconds.ToString(CultureInfo.InvariantCulture),
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", temp], TimeSpan.FromMinutes(1));
            Assert.True(exit == 0, error);
            File.Move(temp, path, overwrite: true);
        }
        return path;
    }

    internal static async Task<(int ExitCode, string Error)> RunAsync(string executable, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await output;
        return (process.ExitCode, await error);
    }
}
