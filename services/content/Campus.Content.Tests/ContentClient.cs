using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;

namespace Campus.Content.Tests;

internal static class ContentClient
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The "browser": no token, straight to S3 on presigned URLs.</summary>
    public static readonly HttpClient Browser = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The start of an ISO base media file (MP4): a box size, then <c>ftyp</c>; padded with zeros to <paramref name="size"/>.</summary>
    public static byte[] Mp4(int size = 4096)
    {
        var bytes = new byte[size];
        byte[] header = [0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m'];
        header.CopyTo(bytes, 0);
        return bytes;
    }

    public static byte[] Pdf() => "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"u8.ToArray();

    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}, not {(int)status}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asks for a video upload URL and PUTs <paramref name="content"/> (declared as its length unless told otherwise); returns the media id.</summary>
    public static async Task<Guid> UploadVideoAsync(this HttpClient client, byte[] content, string contentType = "video/mp4", long? declaredSize = null)
    {
        using var response = await client.PostAsJsonAsync("/api/content/media/upload-url",
            new { file_name = "lecture.mp4", content_type = contentType, size_bytes = declaredSize ?? content.Length }, Ct);
        var upload = await response.ExpectAsync(System.Net.HttpStatusCode.OK);
        await PresignedUpload.PutAsync(upload, content);
        return upload.GetProperty("id").GetGuid();
    }

    public static async Task<Guid> CreateCourseAsync(this HttpClient client, string title, string? description = null)
    {
        using var response = await client.PostAsJsonAsync("/api/content/courses", new { title, description }, Ct);
        return (await response.ExpectAsync(System.Net.HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public static async Task<Guid> CreateSectionAsync(this HttpClient client, Guid courseId, string title)
    {
        using var response = await client.PostAsJsonAsync($"/api/content/courses/{courseId}/sections", new { title }, Ct);
        return (await response.ExpectAsync(System.Net.HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public static async Task<Guid> CreateMaterialAsync(this HttpClient client, Guid sectionId, object material)
    {
        using var response = await client.PostAsJsonAsync($"/api/content/sections/{sectionId}/materials", material, Ct);
        return (await response.ExpectAsync(System.Net.HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public static async Task PublishAsync(this HttpClient client, Guid courseId)
    {
        using var response = await client.PostAsync($"/api/content/courses/{courseId}/publish", null, Ct);
        await response.ExpectAsync(System.Net.HttpStatusCode.OK);
    }
}
