using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Campus.E2E.Tests;

/// <summary>
/// Acceptance for web players: a page with hls.js in headless Chromium plays a transcoded video from the stream URL.
/// The page is served by a test-local server (the "web app"), so its origin differs from the storage's: the player's
/// requests for playlists and segments are cross-origin and work only because the buckets have the CORS the platform
/// configures (<c>Storage:CorsOrigins</c>: loopback origins). The same page from an origin outside that list fails,
/// which shows the CORS is what makes it work.
/// </summary>
public sealed class BrowserPlaybackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string HlsScript =
        Path.Combine(Platform.Root, "tests", "e2e", "browser", "node_modules", "hls.js", "dist", "hls.min.js");

    [Fact]
    public async Task Hls_js_in_chromium_plays_a_transcoded_video_from_the_stream_url_and_only_from_an_allowed_origin()
    {
        Assert.True(File.Exists(HlsScript), $"{HlsScript} is missing: ./platform up installs it (npm ci in tests/e2e/browser).");
        var chromium = FindChromium();

        var author = await SignIn.WithRolesAsync("author");
        var clip = await MediaTranscodeTests.ClipAsync(854, 480, seconds: 4);
        var mediaId = await MediaTranscodeTests.UploadAndCompleteAsync(author, clip, "player.mp4");
        await MediaTranscodeTests.WaitForAsync(author, mediaId, "ready", TimeSpan.FromMinutes(3));

        // Allowed: a page on 127.0.0.1 (Storage:CorsOrigins has http://127.0.0.1:*).
        var stream = await MediaTranscodeTests.StreamLocationAsync(author, mediaId, "auto");
        var played = await PlayAsync(chromium, "127.0.0.1", stream);
        Assert.True(played.Result == "playing", $"hls.js did not play {stream} from a page on 127.0.0.1: {played.Details}");
        Assert.True(played.CurrentTime > 1, $"playback stopped at {played.CurrentTime} s");

        // Refused: the same page on 127.0.0.3, an origin the buckets' CORS does not list (a fresh stream URL).
        stream = await MediaTranscodeTests.StreamLocationAsync(author, mediaId, "auto");
        var refused = await PlayAsync(chromium, "127.0.0.3", stream);
        Assert.True(refused.Result == "error", $"a page from an origin outside the CORS list played the stream: {refused.Details}");
    }

    private sealed record Report(string Result, double CurrentTime, string Details);

    /// <summary>Serves the player page on <paramref name="address"/>, opens it in headless Chromium, returns what it reports.</summary>
    private static async Task<Report> PlayAsync(string chromium, string address, string streamUrl)
    {
        var reported = new TaskCompletionSource<Report>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{address}:0");
        await using var site = builder.Build();
        site.MapGet("/", () => Results.Content(Page(streamUrl), "text/html; charset=utf-8"));
        site.MapGet("/hls.min.js", () => Results.File(HlsScript, "text/javascript"));
        site.MapGet("/report", (HttpRequest request) =>
        {
            var query = request.Query;
            reported.TrySetResult(new Report(query["result"].ToString(),
                double.TryParse(query["time"], System.Globalization.CultureInfo.InvariantCulture, out var time) ? time : 0,
                query["details"].ToString()));
            return Results.NoContent();
        });
        await site.StartAsync(Ct);
        var origin = site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var profile = Directory.CreateTempSubdirectory("campus-e2e-chromium-");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
                     "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                     "--autoplay-policy=no-user-gesture-required", "--mute-audio", $"--user-data-dir={profile.FullName}",
                     $"{origin}/"])
        {
            start.ArgumentList.Add(argument);
        }
        using var browser = Process.Start(start)!;
        var output = browser.StandardOutput.ReadToEndAsync(Ct);
        var errors = browser.StandardError.ReadToEndAsync(Ct);
        try
        {
            var finished = await Task.WhenAny(reported.Task, browser.WaitForExitAsync(Ct), Task.Delay(TimeSpan.FromSeconds(60), Ct));
            if (finished == reported.Task)
            {
                return await reported.Task;
            }
            return new Report(browser.HasExited ? "exited" : "timeout", 0,
                $"no report from the page within 60 s; chromium {(browser.HasExited ? $"exited {browser.ExitCode}" : "still running")}");
        }
        finally
        {
            if (!browser.HasExited)
            {
                browser.Kill(entireProcessTree: true);
            }
            await browser.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(output, errors);
            await site.StopAsync(CancellationToken.None);
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Chromium's last writes may race the delete; the temp folder is harmless.
            }
        }
    }

    /// <summary>
    /// The player page: hls.js attached to a muted video. It reports <c>playing</c> once the video has played more than
    /// a second, or <c>error</c> on the first fatal hls.js error (a refused CORS request is a fatal network error).
    /// </summary>
    private static string Page(string streamUrl) => $$"""
        <!doctype html>
        <html>
        <head><meta charset="utf-8"><title>Campus player</title></head>
        <body>
        <video id="video" muted playsinline></video>
        <script src="/hls.min.js"></script>
        <script>
          const stream = {{JsonSerializer.Serialize(streamUrl)}};
          let done = false;
          function report(result, details) {
            if (done) return;
            done = true;
            const time = document.getElementById('video').currentTime;
            fetch('/report?result=' + result + '&time=' + time + '&details=' + encodeURIComponent(details));
          }
          if (!Hls.isSupported()) {
            report('error', 'hls.js is not supported in this browser (no MediaSource)');
          } else {
            const video = document.getElementById('video');
            const hls = new Hls();
            hls.on(Hls.Events.ERROR, (event, data) => {
              if (data.fatal) report('error', data.type + ': ' + data.details + (data.response ? ' (status ' + data.response.code + ')' : ''));
            });
            hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(e => report('error', 'play(): ' + e)));
            video.addEventListener('timeupdate', () => { if (video.currentTime > 1) report('playing', 'played ' + video.currentTime + ' s'); });
            hls.loadSource(stream);
            hls.attachMedia(video);
          }
        </script>
        </body>
        </html>
        """;

    private static string FindChromium()
    {
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail("Chromium is not installed: ./platform up installs the Debian package chromium.");
        return "";
    }
}
