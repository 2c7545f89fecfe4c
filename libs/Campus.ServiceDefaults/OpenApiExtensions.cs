using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The OpenAPI 3.1 document of a Campus service: served at <c>/openapi/v1.json</c> on the host's own port and
/// written at build time to <c>libs/contracts/&lt;service&gt;.json</c>, the committed contract.
/// </summary>
public static class OpenApiExtensions
{
    /// <summary>The name of the document, in its URL: <c>/openapi/v1.json</c>.</summary>
    public const string DocumentName = "v1";

    /// <summary>The security scheme that protected operations refer to: a Campus access token (JWT).</summary>
    public const string BearerSchemeName = "Bearer";

    /// <summary>
    /// True while the build runs the host to write its OpenAPI document (Microsoft.Extensions.ApiDescription.Server
    /// starts the entry point inside <c>GetDocument.Insider</c>, with a server that never listens).
    /// </summary>
    public static bool IsGeneratingDocument { get; } =
        Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    // The build-time run has no configuration (no environment, Production, no appsettings for secrets) and must not
    // need PostgreSQL, RabbitMQ, Redis or S3: these stand-ins pass the start-up validation of the libraries, which
    // connect lazily, and point at a closed port so that nothing ever reaches a real server. They never apply
    // outside that run. A library that adds a required setting adds its stand-in here.
    private static readonly Dictionary<string, string?> DocumentGenerationSettings = new()
    {
        ["ConnectionStrings:Database"] = "Host=127.0.0.1;Port=9;Database=campus_openapi;Username=campus",
        ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:9/",
        ["ConnectionStrings:Redis"] = "127.0.0.1:9",
        ["Database:MigrateOnStart"] = "false",
        ["Storage:ServiceUrl"] = "http://127.0.0.1:9",
        ["Storage:PublicUrl"] = "http://127.0.0.1:9",
        ["Storage:AccessKey"] = "openapi",
        ["Storage:SecretKey"] = "openapi",
        ["Storage:Region"] = "us-east-1",
        ["Jwt:JwksUrl"] = "http://127.0.0.1:9/api/auth/.well-known/jwks.json",
        ["Jwt:Issuer"] = "campus-openapi",
        ["Jwt:Audience"] = "campus-openapi",
    };

    /// <summary>
    /// Registers the service's OpenAPI document: title <c>Campus &lt;Service&gt; API</c>, a relative server, the
    /// JWT bearer scheme on every operation that requires authorization, and no operational endpoints
    /// (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>). Property names follow the host's JSON options (snake_case,
    /// set by <c>AddServiceDefaults</c>). The document is deterministic, so the committed copy can be compared with it.
    /// </summary>
    /// <remarks>
    /// Call right after <c>AddServiceDefaults()</c> and before the service's own registrations: when the build runs
    /// the host to write the document, this supplies stand-in connection settings that those registrations read.
    /// </remarks>
    public static IHostApplicationBuilder AddCampusOpenApi(this IHostApplicationBuilder builder)
    {
        if (IsGeneratingDocument)
        {
            builder.Configuration.AddInMemoryCollection(DocumentGenerationSettings);
        }

        var service = ServiceName(builder.Environment.ApplicationName);
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            var include = options.ShouldInclude;
            options.ShouldInclude = description => include(description) && !IsOperational(description);
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document, service);
                OpenApiConventions.DescribeProblems(document);
                OpenApiConventions.TightenRequestBodies(document);
                OpenApiConventions.KeepNullOutOfEnums(document);
                OpenApiConventions.NameEnums(document);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                OpenApiConventions.ApplyOneOf(schema, context);
                OpenApiConventions.ApplyDeprecated(schema, context);
                OpenApiConventions.ApplyBounds(schema, context);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                RequireBearerWhenAuthorized(operation, context);
                OpenApiConventions.DescribeStandardResponses(operation, context);
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>The setting that makes a host map its development-only routes for the document (the contract test sets it).</summary>
    public const string DocumentRunSetting = "OpenApi:DocumentRun";

    /// <summary>
    /// True while the host runs to produce its contract: the build-time run, or a host started with
    /// <c>OpenApi:DocumentRun=true</c> (the contract test). Development-only routes are then mapped so that the contract
    /// describes them (<see cref="OpenApiConventions.DevelopmentOnly{TBuilder}"/>); a route mapped only for this answers 404.
    /// </summary>
    public static bool IsDocumentRun(IConfiguration configuration) =>
        IsGeneratingDocument || configuration.GetValue<bool>(DocumentRunSetting);

    /// <summary>Maps the document at <c>/openapi/v1.json</c>. Call after <c>MapDefaultEndpoints()</c>.</summary>
    public static WebApplication MapCampusOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        return app;
    }

    private static void Describe(OpenApiDocument document, string service)
    {
        document.Info = new OpenApiInfo
        {
            Title = $"Campus {service} API",
            Version = "1.0.0",
            Description = $"The {service.ToLowerInvariant()} service of Campus. JSON is snake_case; errors are RFC 9457 " +
                "problem details (application/problem+json) with a stable `code`. A method a path does not list answers 405 " +
                "(`code` `method_not_allowed`, an `Allow` header naming the methods it has); a path this document does not list " +
                "answers 404 (`not_found`). Through the edge, any request may also get what the edge and the gateway answer " +
                "before the service sees it: 400 (`bad_request`, a request the edge cannot read), 401 (no valid token, with " +
                "`WWW-Authenticate`), 413, 414 (`uri_too_long`), 429 (with `Retry-After`), 502, 503 and 504.",
        };

        // Relative on purpose: the document must not depend on the machine or port that produced it.
        // x-internal false: the API is what clients call through the edge, in every environment.
        document.Servers =
        [
            new OpenApiServer
            {
                Url = "/",
                Description = "The host that serves this document: the edge of the environment (local development, staging or production).",
                Extensions = new Dictionary<string, IOpenApiExtension> { ["x-internal"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(false)) },
            },
        ];

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerSchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A Campus access token (ES256, issued by the auth service) in `Authorization: Bearer <token>`: " +
                "short-lived, validated as RFC8725 (JWT best current practices) asks: the algorithm pinned, issuer, audience and lifetime checked.",
        };
    }

    private static void RequireBearerWhenAuthorized(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(BearerSchemeName, context.Document)] = [],
        });
    }

    // Probes and metrics are for Kubernetes and Prometheus on the host's own port, not part of the API.
    private static bool IsOperational(ApiDescription description)
    {
        var path = description.RelativePath ?? "";
        var first = path.TrimStart('/').Split('/', 2)[0].Split('?', 2)[0];
        return first is "healthz" or "readyz" or "metrics";
    }

    // "Campus.Notifications" -> "Notifications".
    private static string ServiceName(string applicationName) =>
        applicationName.StartsWith("Campus.", StringComparison.Ordinal) ? applicationName["Campus.".Length..] : applicationName;
}
