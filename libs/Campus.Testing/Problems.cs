using System.Net;
using System.Text.Json;

namespace Campus.Testing;

/// <summary>Assertions on RFC 9457 problem details, whose <c>code</c> is the stable part of every error.</summary>
public static class Problems
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The <c>code</c> of a problem body (null when it has none).</summary>
    public static string? Code(string body) =>
        JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;

    /// <summary>The <c>code</c> of the response's problem body (null when it has none).</summary>
    public static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        Code(await response.Content.ReadAsStringAsync(Ct));

    /// <summary>
    /// Asserts the status, the <c>application/problem+json</c> media type and the problem's <c>code</c>;
    /// returns the problem body. The failure message names the request and shows the body.
    /// </summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}, not {(int)status}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(code, problem.TryGetProperty("code", out var found) ? found.GetString() : null);
        return problem;
    }

    /// <summary>
    /// Asserts a 400 validation problem with the <c>code</c> and a field error on <paramref name="field"/> (the name as the
    /// client sent it: <c>items[0].channel</c>, <c>attachment_ids</c>); returns the problem body.
    /// </summary>
    public static async Task<JsonElement> AssertFieldErrorAsync(HttpResponseMessage response, string code, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object,
            $"The {code} problem has no errors: {problem}");
        Assert.True(errors.TryGetProperty(field, out var messages) && messages.ValueKind == JsonValueKind.Array
            && messages.GetArrayLength() > 0 && messages.EnumerateArray().All(m => !string.IsNullOrWhiteSpace(m.GetString())),
            $"The {code} problem has no field error on {field}: {problem}");
        return problem;
    }
}
