using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// Acceptance through the edge: a signed-in user uploads an avatar straight to S3 with a plain PUT to the
/// presigned URL (as a browser would), completes it (<c>POST /api/profile/avatar/{id}/complete</c>), and reads it back via <c>avatar_url</c>; bad files are refused
/// with their code and leave nothing in the bucket.
/// </summary>
public sealed class ProfileTests
{
    private const string Bucket = "campus-avatars";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The "browser": no token, straight to S3 on the presigned URL (Storage:PublicUrl).
    private static readonly HttpClient Browser = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_png_uploaded_to_the_presigned_url_comes_back_byte_identical_via_avatar_url()
    {
        var session = await SignIn.PhoneAsync();
        var png = TestImages.Png(48, 48);

        var (id, key) = await UploadAsync(session, "image/png", png.Length, png);
        using var confirm = await Api.SendAsync(session, HttpMethod.Post, $"api/profile/avatar/{id}/complete");
        var profile = await Api.ExpectAsync(confirm, HttpStatusCode.OK);

        var avatarUrl = profile.GetProperty("avatar_url").GetString()!;
        Assert.Equal(png, await Browser.GetByteArrayAsync(avatarUrl, Ct));
        using var read = await Api.SendAsync(session, HttpMethod.Get, "api/profile");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // Served from its checked copy under a random key; the upload key is gone.
        Assert.Matches("/campus-avatars/checked/[0-9a-f]{32}\\.png$", new Uri(avatarUrl).AbsolutePath);
        Assert.DoesNotContain(session.UserId, avatarUrl, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await ExistingAsync([key]));
    }

    [Fact]
    public async Task A_6_mb_file_a_gif_and_text_sent_as_png_are_refused_and_leave_nothing_in_the_bucket()
    {
        var session = await SignIn.PhoneAsync();
        var sixMb = new byte[6 * 1024 * 1024];
        TestImages.Png(16, 16).CopyTo(sixMb, 0);
        var gif = TestImages.Gif();

        // Declared honestly: refused before any URL is issued.
        await Api.ExpectCodeAsync(await RequestUploadAsync(session, "image/png", sixMb.Length), HttpStatusCode.RequestEntityTooLarge, "too_large");
        await Api.ExpectCodeAsync(await RequestUploadAsync(session, "image/gif", gif.Length), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

        // Lied about: the upload lands in S3, and the confirm refuses and deletes it.
        var keys = new List<string>();
        var text = "just some text, not an image"u8.ToArray();
        foreach (var (content, declared, code) in new[]
                 {
                     (sixMb, 1000, "too_large"), (gif, 1000, "upload_size_mismatch"), (text, text.Length, "upload_content_mismatch"),
                 })
        {
            var (id, key) = await UploadAsync(session, "image/png", declared, content);
            keys.Add(key);
            using var confirm = await Api.SendAsync(session, HttpMethod.Post, $"api/profile/avatar/{id}/complete");
            await Api.ExpectCodeAsync(confirm, HttpStatusCode.UnprocessableEntity, code);
        }

        Assert.Empty(await ExistingAsync(keys));
        using var read = await Api.SendAsync(session, HttpMethod.Get, "api/profile");
        Assert.Equal(JsonValueKind.Null, (await Api.ExpectAsync(read, HttpStatusCode.OK)).GetProperty("avatar_url").ValueKind);
    }

    [Fact]
    public async Task A_query_parameter_that_does_not_parse_and_a_method_a_path_lacks_answer_problems_through_the_edge()
    {
        var session = await SignIn.PhoneAsync();

        using var limit = await Api.SendAsync(session, HttpMethod.Get, "api/profile/history?limit=abc");
        var problem = await Api.ExpectAsync(limit, HttpStatusCode.BadRequest);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal(["limit"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));

        using var method = await Api.SendAsync(session, HttpMethod.Delete, "api/profile/history");
        await Api.ExpectCodeAsync(method, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(["GET"], method.Content.Headers.Allow);
    }

    private static async Task<HttpResponseMessage> RequestUploadAsync(SignIn.Session session, string contentType, long size) =>
        await Api.SendAsync(session, HttpMethod.Post, "api/profile/avatar/upload-url", new { content_type = contentType, size_bytes = size });

    /// <summary>Gets an upload URL declaring <paramref name="declaredSize"/> and PUTs <paramref name="content"/> to it.</summary>
    private static async Task<(Guid Id, string Key)> UploadAsync(SignIn.Session session, string contentType, long declaredSize, byte[] content)
    {
        using var response = await RequestUploadAsync(session, contentType, declaredSize);
        var upload = await Api.ExpectAsync(response, HttpStatusCode.OK);
        await PresignedUpload.PutAsync(upload, content);
        return (upload.GetProperty("id").GetGuid(), upload.GetProperty("key").GetString()!);
    }

    /// <summary>Those of <paramref name="keys"/> that exist in the platform's avatars bucket.</summary>
    internal static async Task<List<string>> ExistingAsync(IEnumerable<string> keys)
    {
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(TestInfrastructure.S3AccessKey, TestInfrastructure.S3SecretKey),
            new AmazonS3Config { ServiceURL = TestInfrastructure.S3Url, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var existing = new List<string>();
        foreach (var key in keys)
        {
            var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = key }, Ct);
            if ((listed.S3Objects ?? []).Any(o => o.Key == key))
            {
                existing.Add(key);
            }
        }
        return existing;
    }
}
