using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Campus.ServiceDefaults.Tests;

/// <summary>Control characters are refused before any endpoint sees them: 400 <c>invalid_characters</c>, never a 500.</summary>
public sealed class ControlCharacterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Note(string Title, string? Body);

    private static Task<TestApp> StartAsync() => TestApp.StartAsync(map: app =>
    {
        app.MapGet("/search", (string? q) => TypedResults.Ok(q ?? ""));
        app.MapGet("/items/{name}", (string name) => TypedResults.Ok(name));
        app.MapPost("/notes", (Note note) => TypedResults.Ok(note));
    });

    [Theory]
    [InlineData("/search?q=a%00b", "query parameter 'q'", "U+0000")]
    [InlineData("/search?q=a%0Ab", "query parameter 'q'", "U+000A")]
    [InlineData("/search?q=a%C2%85b", "query parameter 'q'", "U+0085")]
    [InlineData("/search?q%01=1", "query parameter", "U+0001")]
    [InlineData("/items/a%01b", "path", "U+0001")]
    public async Task Control_characters_in_the_path_or_query_are_400(string url, string where, string character)
    {
        await using var app = await StartAsync();

        var response = await app.Client.GetAsync(url, Ct);

        var detail = await AssertRefusedAsync(response);
        Assert.Contains(where, detail);
        Assert.Contains(character, detail);
    }

    [Theory]
    [InlineData("""{"title":"a\u0000b"}""", "'title'")]
    [InlineData("""{"title":"ok","body":"x\u001b[31m"}""", "'body'")]
    [InlineData("""{"title":"a\u007fb"}""", "'title'")]
    [InlineData("""{"title":"ok","tags":["fine","bad\u0000"]}""", "'tags'")]
    [InlineData("""{"ti\u0000tle":"ok"}""", "property name")]
    [InlineData("""{"title":"\ud800"}""", "'title'")]
    [InlineData("{\"title\":\"raw \u007f del\"}", "'title'")]
    [InlineData("{\"title\":\"ok\",\"body\":\"raw \u0085 next line\"}", "'body'")]
    [InlineData("{\"ti\u009btle\":\"ok\"}", "property name")]
    public async Task Control_characters_in_a_json_body_are_400(string json, string where)
    {
        await using var app = await StartAsync();

        var response = await app.Client.PostAsync("/notes", new StringContent(json, Encoding.UTF8, "application/json"), Ct);

        Assert.Contains(where, await AssertRefusedAsync(response));
    }

    [Fact]
    public async Task Tabs_and_line_breaks_are_text_in_a_json_body()
    {
        await using var app = await StartAsync();

        var response = await app.Client.PostAsync("/notes",
            new StringContent("""{"title":"Week 1","body":"line 1\r\nline 2\tend"}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("line 1\r\nline 2\tend", body.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Malformed_json_is_left_to_the_endpoint_binding()
    {
        await using var app = await StartAsync();

        var response = await app.Client.PostAsync("/notes", new StringContent("""{"title":"a\u0000""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEqual(ControlCharacters.Code, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetString());
    }

    private static async Task<string> AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("invalid_characters", problem.GetProperty("code").GetString());
        return problem.GetProperty("detail").GetString()!;
    }
}
