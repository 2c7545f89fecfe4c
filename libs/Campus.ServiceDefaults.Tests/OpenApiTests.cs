using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.ServiceDefaults.Tests;

public sealed class OpenApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record CourseDto(Guid Id, string Title, DateTimeOffset CreatedAt);

    private sealed record SignInRequest(string PhoneNumber);

    /// <summary>The document of a host built like a Campus service named "Campus.Courses", with a few feature endpoints.</summary>
    private static async Task<JsonNode> GetDocument()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Development,
            ApplicationName = "Campus.Courses",
        });
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        builder.AddCampusOpenApi();
        builder.Services.AddAuthorization();

        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapCampusOpenApi();
        var courses = app.MapGroup("/courses").WithTags("Courses").RequireAuthorization();
        courses.MapGet("/{id:guid}", (Guid id) => TypedResults.Ok(new CourseDto(id, "Onboarding", DateTimeOffset.UnixEpoch)))
            .WithName("GetCourse");
        app.MapPost("/sign-in", (SignInRequest request) => TypedResults.NoContent()).WithName("SignIn").AllowAnonymous();
        app.MapGet("/metrics/extra", () => "not part of the API");
        await app.StartAsync(Ct);

        using var client = app.GetTestClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", Ct))!;
        await app.StopAsync(Ct);
        return document;
    }

    [Fact]
    public async Task Document_is_openapi_3_1_titled_after_the_service_with_a_relative_server()
    {
        var document = await GetDocument();

        Assert.StartsWith("3.1.", (string?)document["openapi"]);
        Assert.Equal("Campus Courses API", (string?)document["info"]!["title"]);
        Assert.Equal("1.0.0", (string?)document["info"]!["version"]);
        var server = Assert.Single(document["servers"]!.AsArray());
        Assert.Equal("/", (string?)server!["url"]);
    }

    [Fact]
    public async Task Document_declares_the_jwt_bearer_scheme()
    {
        var document = await GetDocument();

        var scheme = document["components"]!["securitySchemes"]![OpenApiExtensions.BearerSchemeName]!;
        Assert.Equal("http", (string?)scheme["type"]);
        Assert.Equal("bearer", (string?)scheme["scheme"]);
        Assert.Equal("JWT", (string?)scheme["bearerFormat"]);
    }

    [Fact]
    public async Task Only_operations_that_require_authorization_carry_the_bearer_requirement()
    {
        var document = await GetDocument();

        var protectedOperation = document["paths"]!["/courses/{id}"]!["get"]!;
        var requirement = Assert.Single(protectedOperation["security"]!.AsArray());
        Assert.True(requirement!.AsObject().ContainsKey(OpenApiExtensions.BearerSchemeName));
        var anonymousOperation = document["paths"]!["/sign-in"]!["post"]!;
        Assert.Null(anonymousOperation["security"]);
    }

    [Fact]
    public async Task Operational_endpoints_are_not_in_the_document()
    {
        var document = await GetDocument();

        var paths = document["paths"]!.AsObject().Select(path => path.Key).ToList();
        Assert.Equal(["/courses/{id}", "/sign-in"], paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Schema_property_names_are_snake_case_like_the_wire_format()
    {
        var document = await GetDocument();

        var properties = document["components"]!["schemas"]!["CourseDto"]!["properties"]!.AsObject().Select(p => p.Key);
        Assert.Equal(["created_at", "id", "title"], properties.Order(StringComparer.Ordinal));
    }
}
