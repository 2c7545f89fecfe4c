using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scalar.AspNetCore;

namespace Campus.Gateway;

/// <summary>
/// The API reference of every Campus service in one place: the committed contracts (<c>libs/contracts/*.json</c>,
/// embedded in the gateway at build time) at <c>/api/&lt;service&gt;/openapi.json</c>, a "getting started" document
/// (<c>ApiReference/intro.md</c>: how to sign in and use the tokens) at <c>/api/docs/openapi.json</c>, and the Scalar
/// reference over all seven at <c>/api/docs</c>, with its script served by the gateway (no CDN, no web fonts, no
/// telemetry). On in Development; elsewhere <c>Gateway:ApiReference:Enabled</c> (default false): when off nothing is
/// mapped, so the paths answer what the proxy answers for them.
/// </summary>
internal static class ApiReference
{
    public const string EnabledKey = "Gateway:ApiReference:Enabled";
    public const string Path = "/api/docs";

    /// <summary>The "start here" document's name: served at <c>/api/docs/openapi.json</c>, shown at <c>/api/docs/docs</c>.</summary>
    private const string IntroName = "docs";

    /// <summary>The services whose contracts are served, in the order the reference lists them.</summary>
    public static readonly string[] Services = ["auth", "profile", "content", "notifications", "chat", "analytics"];

    // The page runs Scalar's bundled script and its inline configuration, applies inline styles and fetches the
    // contracts and "try it" requests from the same origin. Nothing else: no other origin, no framing.
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'none'";

    public static bool IsEnabled(IConfiguration configuration, IHostEnvironment environment) =>
        configuration.GetValue<bool?>(EnabledKey) ?? environment.IsDevelopment();

    /// <summary>Maps the contracts, the intro document and the reference page when enabled.</summary>
    public static void MapApiReference(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration, app.Environment))
        {
            return;
        }

        foreach (var service in Services)
        {
            var document = Resource($"contracts/{service}.json");
            app.MapMethods($"/api/{service}/openapi.json", ["GET", "HEAD"], (HttpContext context) => Json(context, document))
                .AllowAnonymous()
                .ExcludeFromDescription();
        }
        var intro = IntroDocument(Resource("ApiReference/intro.md"));
        app.MapMethods($"/api/{IntroName}/openapi.json", ["GET", "HEAD"], (HttpContext context) => Json(context, intro))
            .AllowAnonymous()
            .ExcludeFromDescription();

        app.MapScalarApiReference(Path, options =>
        {
            // One pattern for every document, so /api/docs/<name> (a link to one document) finds it too.
            options.WithTitle("Campus API reference")
                .WithOpenApiRoutePattern("/api/{documentName}/openapi.json")
                .DisableDefaultFonts()
                .DisableTelemetry()
                // Nothing that calls a third party (the AI agent, MCP) or advertises one (developer tools, hosted deploy).
                .DisableAgent()
                .DisableMcp()
                .HideDeveloperTools()
                .AddPreferredSecuritySchemes("Bearer")
                .AddDocument(IntroName, "Start here: signing in", isDefault: true);
            foreach (var service in Services)
            {
                options.AddDocument(service, $"{char.ToUpperInvariant(service[0])}{service[1..]} API");
            }
        }).AllowAnonymous()
            // HEAD like GET (link checkers, monitors), not 405: the last method metadata is the one routing uses.
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));

        // The page's own policy; the edge sends the strict API one everywhere else.
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(Path) && !context.Request.Path.Value!.EndsWith(".json", StringComparison.Ordinal))
            {
                context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }
            return next(context);
        });
    }

    private static IResult Json(HttpContext context, byte[] body)
    {
        // The documents change with a deploy only; clients revalidate (there is no ETag: they are small).
        context.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(body, "application/json; charset=utf-8");
    }

    /// <summary>An OpenAPI document with no operations whose description is <paramref name="markdown"/>.</summary>
    private static byte[] IntroDocument(byte[] markdown)
    {
        var document = new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Campus API",
                ["version"] = "1.0.0",
                ["description"] = System.Text.Encoding.UTF8.GetString(markdown),
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/" }),
            ["paths"] = new JsonObject(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(document);
    }

    private static byte[] Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The gateway was built without the embedded resource {name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
