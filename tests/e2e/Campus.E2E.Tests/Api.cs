using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Campus.E2E.Tests;

/// <summary>Requests through the edge with a bearer token, and the checks every suite makes on an answer.</summary>
internal static class Api
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> SendAsync(SignIn.Session session, HttpMethod method, string path, object? body = null) =>
        SendAsync(session.AccessToken, method, path, body);

    /// <summary><paramref name="path"/> is relative to the edge (<c>api/content/courses</c>); a body is sent as JSON.</summary>
    public static async Task<HttpResponseMessage> SendAsync(string accessToken, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(Platform.EdgeUrl, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = Json(body);
        }
        return await Http.Client.SendAsync(request, Ct);
    }

    /// <summary>Asserts the status (the message names the request and shows the body) and returns the JSON body, if any.</summary>
    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}, not {(int)status}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts the status and the problem body's <c>code</c>.</summary>
    public static async Task ExpectCodeAsync(HttpResponseMessage response, HttpStatusCode status, string code) =>
        Assert.Equal(code, (await ExpectAsync(response, status)).GetProperty("code").GetString());
}
