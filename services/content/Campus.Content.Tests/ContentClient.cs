using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Content.Data;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Content.Tests;

internal static class ContentClient
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The "browser": no token, straight to S3 on presigned URLs.</summary>
    public static readonly HttpClient Browser = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client carrying a real access token for <paramref name="userId"/> with <paramref name="roles"/>; it does not follow redirects.</summary>
    public static HttpClient ClientFor<TFactory>(this TFactory factory, Guid userId, string roles = "student")
        where TFactory : CampusHostFactory<Program, ContentDbContext>
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Jwt.CreateToken(userId, roles));
        return client;
    }

    /// <summary>Runs <paramref name="query"/> on a fresh context of the host's database.</summary>
    public static async Task<T> QueryAsync<T>(this CampusHostFactory<Program, ContentDbContext> factory, Func<ContentDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ContentDbContext>());
    }

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

    public static async Task<string?> CodeAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString();

    public static async Task ExpectCodeAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status, string code)
    {
        var body = await response.ExpectAsync(status);
        Assert.Equal(code, body.GetProperty("code").GetString());
    }

    /// <summary>Asks for a video upload URL and PUTs <paramref name="content"/> (declared as its length unless told otherwise); returns the media id.</summary>
    public static async Task<Guid> UploadVideoAsync(this HttpClient client, byte[] content, string contentType = "video/mp4", long? declaredSize = null)
    {
        using var response = await client.PostAsJsonAsync("/api/content/media/upload-url",
            new { file_name = "lecture.mp4", content_type = contentType, size_bytes = declaredSize ?? content.Length }, Ct);
        var upload = await response.ExpectAsync(System.Net.HttpStatusCode.OK);
        await PresignedUpload.PutAsync(upload, content);
        return upload.GetProperty("media_id").GetGuid();
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
