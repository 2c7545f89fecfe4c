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
    public static Task PutAsync(JsonElement upload, byte[] content, string? contentType = null) =>
        PutAsync(new Uri(upload.GetProperty("upload_url").GetString()!),
            upload.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString() ?? ""), content, contentType);

    /// <summary>The same from a typed answer (a generated client's <c>upload_url</c> and <c>headers</c>).</summary>
    public static async Task PutAsync(Uri uploadUrl, IEnumerable<KeyValuePair<string, string>> headers, byte[] content, string? contentType = null)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = new ByteArrayContent(content) };
        foreach (var header in headers)
        {
            if (!put.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                put.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
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
