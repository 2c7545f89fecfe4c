using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Campus.ServiceDefaults.Tests;

public sealed class ProblemDetailsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> ReadProblem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
    }

    [Fact]
    public async Task Unhandled_exception_is_a_500_problem_with_trace_id_and_no_stack_trace()
    {
        await using var app = await TestApp.StartAsync(map: a =>
            a.MapGet("/boom", string () => throw new InvalidOperationException("secret connection detail")));

        var response = await app.Client.GetAsync("/boom", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("secret connection detail", body);
        Assert.DoesNotContain("InvalidOperationException", body);
        Assert.DoesNotContain(" at ", body);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
        Assert.Equal("internal_error", problem.GetProperty("code").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
        Assert.False(problem.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        await using var app = await TestApp.StartAsync();

        var response = await app.Client.GetAsync("/no/such/thing", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ReadProblem(response);
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Wrong_method_is_a_405_problem()
    {
        await using var app = await TestApp.StartAsync(map: a => a.MapGet("/only-get", () => "ok"));

        var response = await app.Client.DeleteAsync("/only-get", Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("method_not_allowed", (await ReadProblem(response)).GetProperty("code").GetString());
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/list?limit=abc", "limit", "Not a valid whole number.")]
    [InlineData("/list?limit=5&offset=1.5", "offset", "Not a valid whole number.")]
    [InlineData("/list?user_id=nope", "user_id", "Not a valid UUID.")]
    [InlineData("/required", "limit", "Required.")]
    public async Task A_query_parameter_that_does_not_bind_is_the_validation_problem(string url, string field, string message)
    {
        await using var app = await TestApp.StartAsync(map: a =>
        {
            a.MapGet("/list", (int? limit, int? offset, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "user_id")] Guid? userId) => "ok");
            a.MapGet("/required", (int limit) => "ok");
        });

        var response = await app.Client.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblem(response);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal(message, Assert.Single(problem.GetProperty("errors").GetProperty(field).EnumerateArray()).GetString());
        Assert.Single(problem.GetProperty("errors").EnumerateObject());
    }

    [Fact]
    public async Task Body_over_the_limit_is_a_413_problem()
    {
        await using var app = await TestApp.StartAsync(
            settings: new Dictionary<string, string?> { ["Http:MaxRequestBodyBytes"] = "1024" },
            map: a => a.MapPost("/echo", (Payload payload) => payload));

        var json = JsonSerializer.Serialize(new { text = new string('x', 4096) });
        var response = await app.Client.PostAsync("/echo", new StringContent(json, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload_too_large", (await ReadProblem(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        await using var app = await TestApp.StartAsync(map: a => a.MapPost("/echo", (Payload payload) => payload));

        var response = await app.Client.PostAsync("/echo", new StringContent("{\"text\":", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_request", (await ReadProblem(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_missing_required_member_or_a_wrong_type_is_a_validation_problem_with_field_errors()
    {
        await using var app = await TestApp.StartAsync(map: a => a.MapPost("/settings", (Settings settings) => settings));

        var missing = await app.Client.PostAsync("/settings",
            new StringContent("{\"items\":[{\"channel\":\"email\"}]}", Encoding.UTF8, "application/json"), Ct);
        var wrongType = await app.Client.PostAsync("/settings",
            new StringContent("{\"items\":[{\"channel\":\"email\",\"enabled\":\"yes\"}]}", Encoding.UTF8, "application/json"), Ct);
        var empty = await app.Client.PostAsync("/settings", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var problem = await ReadProblem(missing);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal("Required.", problem.GetProperty("errors").GetProperty("items[0].enabled")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.True((await ReadProblem(wrongType)).GetProperty("errors").TryGetProperty("items[0].enabled", out _));
        Assert.True((await ReadProblem(empty)).GetProperty("errors").TryGetProperty("items", out _));
    }

    [Fact]
    public async Task Problems_created_by_features_keep_their_code_and_json_is_snake_case()
    {
        await using var app = await TestApp.StartAsync(map: a =>
        {
            a.MapGet("/locked", () => Problems.Create(StatusCodes.Status423Locked, "otp_locked", "Too many wrong codes."));
            a.MapGet("/shape", () => new Payload("hi", 3));
        });

        var locked = await app.Client.GetAsync("/locked", Ct);
        var shape = JsonDocument.Parse(await app.Client.GetStringAsync("/shape", Ct)).RootElement;

        Assert.Equal(HttpStatusCode.Locked, locked.StatusCode);
        Assert.Equal("otp_locked", (await ReadProblem(locked)).GetProperty("code").GetString());
        Assert.Equal(3, shape.GetProperty("retry_count").GetInt32());
    }

    private sealed record Payload(string Text, int RetryCount = 0);

    private sealed record Setting(string Channel, [property: System.Text.Json.Serialization.JsonRequired] bool Enabled);

    private sealed record Settings([property: System.Text.Json.Serialization.JsonRequired] IReadOnlyList<Setting> Items);
}
