using System.Net;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// A checked upload cannot be replaced through the edge: the presigned PUT URL stays valid after complete or confirm,
/// but what was checked is what the transcode worker reads and what the profile serves.
/// </summary>
public sealed class CheckedUploadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HttpClient Browser = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task A_video_replaced_right_after_complete_still_transcodes_the_checked_bytes()
    {
        var author = await SignIn.WithRolesAsync("author");
        var checkedClip = await File.ReadAllBytesAsync(await MediaTranscodeTests.ClipAsync(640, 360, seconds: 2), Ct);
        var replacement = await File.ReadAllBytesAsync(await MediaTranscodeTests.ClipAsync(1280, 720, seconds: 2), Ct);
        using var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/media/upload-url",
            new { file_name = "lecture.m3u8", content_type = "video/mp4", size_bytes = checkedClip.Length });
        var upload = await Api.ExpectAsync(created, HttpStatusCode.OK);
        var mediaId = upload.GetProperty("id").GetString()!;
        await PresignedUpload.PutAsync(upload, checkedClip);

        using (var complete = await Api.SendAsync(author, HttpMethod.Post, $"api/content/media/{mediaId}/complete"))
        {
            await Api.ExpectAsync(complete, HttpStatusCode.OK);
        }
        // The URL is valid for hours: a 720p clip nobody checked goes where the checked 360p one was.
        await PresignedUpload.PutAsync(upload, replacement);

        var (status, _) = await MediaTranscodeTests.WaitForAsync(author, mediaId, "ready", TimeSpan.FromMinutes(3));
        Assert.Equal([360], status.GetProperty("renditions").EnumerateArray().Select(r => r.GetInt32()));
        var master = await Browser.GetStringAsync(await MediaTranscodeTests.StreamLocationAsync(author, mediaId, "auto"), Ct);
        Assert.Contains("RESOLUTION=640x360", master, StringComparison.Ordinal);
        Assert.DoesNotContain(mediaId, master, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_avatar_replaced_after_confirm_still_serves_the_checked_image()
    {
        var session = await SignIn.PhoneAsync();
        var png = TestImages.Png(40, 40);
        using var created = await Api.SendAsync(session, HttpMethod.Post, "api/profile/avatar/upload-url", new { content_type = "image/png", size_bytes = png.Length });
        var upload = await Api.ExpectAsync(created, HttpStatusCode.OK);
        await PresignedUpload.PutAsync(upload, png);
        using (var confirm = await Api.SendAsync(session, HttpMethod.Post, $"api/profile/avatar/{upload.GetProperty("id").GetGuid()}/complete"))
        {
            await Api.ExpectAsync(confirm, HttpStatusCode.OK);
        }

        await PresignedUpload.PutAsync(upload, System.Text.Encoding.UTF8.GetBytes("<html><body><script>alert(document.domain)</script></body></html>"));

        using var read = await Api.SendAsync(session, HttpMethod.Get, "api/profile");
        var avatarUrl = (await Api.ExpectAsync(read, HttpStatusCode.OK)).GetProperty("avatar_url").GetString()!;
        Assert.Equal(png, await Browser.GetByteArrayAsync(avatarUrl, Ct));
    }
}
