using System.Text.Json;
using System.Text.Json.Serialization;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Campus host shares: JSON logs with trace ids, Prometheus metrics, problem details for every
/// error, health endpoints, snake_case JSON, request size limits and options validated at start.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Registers the shared defaults. Call first in <c>Program.cs</c>.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        // A wrong registration (a scoped service captured by a singleton) fails at start, not on the first request.
        var providerOptions = new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true };
        // `migrate` or `check-dependencies` as the first argument: run it instead of serving (HostCommands).
        if (HostCommands.FromArguments(Environment.GetCommandLineArgs()[1..]) is { } command)
        {
            builder.UseCommand(command, providerOptions);
        }
        else
        {
            builder.ConfigureContainer(new DefaultServiceProviderFactory(providerOptions));
        }
        // The one clock of every host: code reads the time from it, never from DateTime.UtcNow, so tests can move it.
        builder.Services.TryAddSingleton(TimeProvider.System);

        builder.AddJsonLogging();
        builder.AddMetricsAndTracing();
        builder.AddRequestLimits();

        builder.Services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.Customize);
        builder.Services.AddExceptionHandler<UnhandledExceptionHandler>();
        // Binding failures (a body that does not fit its type, a query value that does not parse) throw in every
        // environment, so UnhandledExceptionHandler answers them the same way (field errors where it can name the field).
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // { "Outages": { "RetryAfter": "00:00:05" } }: Retry-After of a 503 for an unreachable dependency.
        builder.Services.AddOptions<OutagesOptions>()
            .BindConfiguration(OutagesOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton<DependencyHealth>();
        builder.Services.AddSingleton<IHealthCheckPublisher>(services => services.GetRequiredService<DependencyHealth>());
        builder.Services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Period = DependencyHealth.PublishPeriod;
            options.Predicate = check => check.Tags.Contains(HealthEndpoints.ReadyTag);
        });
        return builder;
    }

    /// <summary>
    /// Marks readiness checks (<c>redis</c>, <c>rabbitmq</c>, <c>s3</c>) as soft dependencies: the host serves without
    /// them (a request that needs one gets a 503 with its code), so while one is down <c>/readyz</c> stays 200 with status
    /// <c>Degraded</c> and <c>campus_dependency_up{required="false"}</c> is 0, instead of taking every replica out of
    /// the load balancer. Every other readiness check stays hard.
    /// </summary>
    public static IHostApplicationBuilder AddSoftDependencies(this IHostApplicationBuilder builder, params string[] checks)
    {
        // PostConfigure: the checks are registered by AddCampusRedis/AddCampusMessaging/AddCampusStorage, before or after this call.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(registration => checks.Contains(registration.Name, StringComparer.Ordinal)))
            {
                registration.FailureStatus = HealthStatus.Degraded;
            }
        });
        return builder;
    }

    /// <summary>
    /// Adds the error-handling middleware and maps <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>.
    /// Call right after <c>Build()</c>, before the feature APIs.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Innermost handlers win: this runs inside the developer exception page that WebApplication adds in
        // Development, so a stack trace never reaches a client, in any environment.
        app.UseExceptionHandler();
        // Empty 4xx/5xx answers (404 unknown route, 405, 401 challenge) become problem details.
        app.UseStatusCodePages();
        // Before authentication: anonymous endpoints (sign-in) take text too, and the rule holds for every route alike.
        app.Use(ControlCharacters.InvokeAsync);
        // Authentication after the two above, so a 401/403 challenge is a problem body too. (WebApplication would
        // otherwise add these before any middleware of ours.)
        if (app.Services.GetService<IAuthenticationSchemeProvider>() is not null)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        app.MapHealthEndpoints();
        app.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
        return app;
    }

    /// <summary>The JSON conventions of the Campus wire format: snake_case names and enum values, numbers as numbers.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        // The web defaults also read numbers from strings, which makes every integer "integer or string" in the contract.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }

    private static void AddJsonLogging(this IHostApplicationBuilder builder)
    {
        // Every host's log levels, below appsettings and environment variables (which still override them): ASP.NET
        // Core's lines per request and EF Core's per SQL command cost more CPU than the request itself under load.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Warning",
            },
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        // Puts TraceId/SpanId of the current Activity into every log line's scope.
        builder.Logging.Configure(options => options.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
    }

    private static void AddMetricsAndTracing(this IHostApplicationBuilder builder)
    {
        // The standard OpenTelemetry variable: set, spans go there over OTLP (with OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var detailed = DetailedTracing(builder.Configuration);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                // http.server.request.duration by http.route and http.response.status_code, Kestrel connections.
                .AddAspNetCoreInstrumentation()
                // The runtime's built-in meter (GC, thread pool, exceptions, working set) since .NET 9.
                .AddMeter("System.Runtime")
                .AddMeter("Campus.*")
                .AddPrometheusExporter())
            // Always: the tracer makes ASP.NET Core start an Activity per request, so logs and problem details carry a
            // W3C trace id, and Campus.Messaging carries it on through the outbox and the broker to every consumer.
            .WithTracing(tracing =>
            {
                tracing
                    .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsOperationalPath(context.Request.Path))
                    .AddSource("Campus.*");
                if (detailed)
                {
                    // Campus.Data adds SQL commands to these, Campus.Redis Redis commands.
                    tracing.AddHttpClientInstrumentation();
                }
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
    }

    /// <summary>
    /// <c>{ "Tracing": { "Detailed": true } }</c>: spans for outgoing HTTP calls, SQL commands and Redis commands too. On by
    /// default only where spans are exported (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>): nobody reads them otherwise, and every
    /// request would pay for them.
    /// </summary>
    public static bool DetailedTracing(IConfiguration configuration) =>
        configuration.GetValue("Tracing:Detailed", !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]));

    private static void AddRequestLimits(this IHostApplicationBuilder builder)
    {
        // { "Http": { "MaxRequestBodyBytes": 1048576, "MaxRequestHeadersBytes": 32768 } }
        // Files never pass through the services (clients upload straight to S3), so bodies are small.
        builder.Services.AddOptions<HttpOptions>()
            .BindConfiguration(HttpOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<HttpOptions>>((kestrel, limits) =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes;
                kestrel.Limits.MaxRequestHeadersTotalSize = limits.Value.MaxRequestHeadersBytes;
            });
    }

    internal static bool IsOperationalPath(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}
