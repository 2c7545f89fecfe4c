using System.Net.Http.Headers;
using System.Text.Json;

namespace Campus.Testing;

/// <summary>
/// What a browser does with an upload answer <c>{upload_url, headers, ...}</c>: a plain PUT of the bytes straight to
/// the presigned URL with exactly the returned headers and no credentials.
/// </summary>
public static class PresignedUpload
{
    private static readonly HttpClient Browser = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>
    /// PUTs <paramref name="content"/> and asserts the storage accepted it. <paramref name="contentType"/> is sent only
    /// when the answer's headers name none.
    /// </summary>
    public static async Task PutAsync(JsonElement upload, byte[] content, string? contentType = null)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, upload.GetProperty("upload_url").GetString()) { Content = new ByteArrayContent(content) };
        foreach (var header in upload.GetProperty("headers").EnumerateObject())
        {
            if (!put.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString()))
            {
                put.Content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }
        if (contentType is not null)
        {
            put.Content.Headers.ContentType ??= MediaTypeHeaderValue.Parse(contentType);
        }
        using var stored = await Browser.SendAsync(put, TestContext.Current.CancellationToken);
        Assert.True(stored.IsSuccessStatusCode, $"PUT to the presigned URL answered {(int)stored.StatusCode}");
    }
}
