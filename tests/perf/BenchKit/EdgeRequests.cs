using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace BenchKit;

/// <summary>Requests of a signed-in user through the edge, and the set-up every driver makes with them (courses).</summary>
public sealed class EdgeRequests(HttpClient http, Uri edge)
{
    private const int SetUpAttempts = 50;

    /// <summary>A request to <paramref name="path"/> on the edge with the user's bearer token and a JSON body, if any.</summary>
    public HttpRequestMessage Request(SignedIn user, HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, new Uri(edge, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return request;
    }

    /// <summary>
    /// A set-up request; its JSON answer (default when empty). Retried while the gateway's per-user limit (429, after its
    /// Retry-After) or a service's view of a new user (422, e.g. chat's unknown_users) catches up; anything else but
    /// <paramref name="expected"/> throws.
    /// </summary>
    public async Task<JsonElement> SendAsync(SignedIn user, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = Request(user, method, path, body);
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == expected)
            {
                return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            }
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.UnprocessableEntity && attempt < SetUpAttempts)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200));
                continue;
            }
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        }
    }

    /// <summary>
    /// A published course of one section: <paramref name="videos"/> video materials (on registered uploads: the player
    /// reports the duration), or one text material when 0.
    /// </summary>
    public async Task<(Guid CourseId, Guid[] MaterialIds)> CreateCourseAsync(SignedIn owner, string title, int videos)
    {
        var course = (await SendAsync(owner, HttpMethod.Post, "/api/content/courses", new { title }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var section = (await SendAsync(owner, HttpMethod.Post, $"/api/content/courses/{course}/sections", new { title = "Part 1" }, HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        var ids = new List<Guid>();
        for (var v = 0; v < Math.Max(1, videos); v++)
        {
            object material;
            if (videos > 0)
            {
                var upload = await SendAsync(owner, HttpMethod.Post, "/api/content/media/upload-url",
                    new { file_name = "bench.mp4", content_type = "video/mp4", size_bytes = 1024 }, HttpStatusCode.OK);
                material = new { kind = "video", title = $"Lecture {v}", media_id = upload.GetProperty("id").GetGuid() };
            }
            else
            {
                material = new { kind = "text", title = "Reading", body = "Read me." };
            }
            ids.Add((await SendAsync(owner, HttpMethod.Post, $"/api/content/sections/{section}/materials", material, HttpStatusCode.Created))
                .GetProperty("id").GetGuid());
        }
        await SendAsync(owner, HttpMethod.Post, $"/api/content/courses/{course}/publish", null, HttpStatusCode.OK);
        return (course, [.. ids]);
    }
}
