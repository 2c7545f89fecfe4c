using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Endpoint metadata the contracts read: a response header an operation sets
/// (<see cref="OpenApiConventions.ProducesHeader{TBuilder}"/>), a rate limit in front of an anonymous operation
/// (<see cref="OpenApiConventions.RateLimited{TBuilder}"/>), a route that exists only in Development
/// (<see cref="OpenApiConventions.DevelopmentOnly{TBuilder}"/>).
/// </summary>
public sealed record ResponseHeaderMetadata(int StatusCode, string Name, string Description, bool Required = true);

/// <summary>The operation may answer 429 with <c>Retry-After</c> (a limit of the service or of the edge in front of it).</summary>
public sealed record RateLimitedMetadata(string Description);

/// <summary>The operation exists only in the Development environment.</summary>
public sealed record DevelopmentOnlyMetadata;

/// <summary>
/// What every Campus contract says the same way, in one place: the problem schemas (<c>ProblemDetails</c> and the one
/// validation problem, <c>HttpValidationProblemDetails</c>), the statuses an operation can answer because of what it is
/// (401 for a token, 413/415 for a JSON body, 429 behind a rate limit) and the response headers that carry meaning
/// (<c>Location</c>, <c>Retry-After</c>, <c>WWW-Authenticate</c>, and what an endpoint declares with
/// <see cref="ProducesHeader{TBuilder}"/>). Applied by <c>AddCampusOpenApi</c>.
/// </summary>
public static class OpenApiConventions
{
    /// <summary>The schema of every problem answer (RFC 9457 plus the Campus extensions).</summary>
    public const string ProblemSchema = "ProblemDetails";

    /// <summary>The schema of every 400: a problem plus <c>errors</c>, the field errors of a <c>validation_failed</c>.</summary>
    public const string ValidationProblemSchema = "HttpValidationProblemDetails";

    /// <summary>The extension marking an operation that only a Development host serves.</summary>
    public const string DevelopmentOnlyExtension = "x-campus-development-only";

    private const string ProblemJson = "application/problem+json";

    /// <summary>Documents a response header the endpoint sets on <paramref name="statusCode"/>.</summary>
    public static TBuilder ProducesHeader<TBuilder>(this TBuilder builder, int statusCode, string name, string description,
        bool required = true) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ResponseHeaderMetadata(statusCode, name, description, required));

    /// <summary>Documents 429 with <c>Retry-After</c> on an operation behind a rate limit.</summary>
    public static TBuilder RateLimited<TBuilder>(this TBuilder builder, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimitedMetadata(description));

    /// <summary>Marks an operation that only exists in Development: tag <c>Development</c>, <c>x-campus-development-only: true</c>.</summary>
    public static TBuilder DevelopmentOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithTags("Development").WithMetadata(new DevelopmentOnlyMetadata());

    // The field errors of a validation problem: the JSON name of the field (or "" for the whole body) -> messages.
    // The one place that says what `errors` looks like in every contract.
    private static OpenApiSchema FieldErrors() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Field errors: the snake_case name of the field (a JSON path for nested ones) -> what is wrong with it.",
        AdditionalProperties = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };

    private static OpenApiSchema Problem(bool validation)
    {
        var properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = Text("A URI reference that identifies the problem type."),
            ["title"] = Text("A short, human-readable summary of the problem type."),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
            ["detail"] = Text("A human-readable explanation of this occurrence."),
            ["instance"] = Text("A URI reference that identifies this occurrence."),
            ["code"] = Text("The stable machine code of the problem (e.g. `validation_failed`, `otp_invalid`, `not_found`): what a client branches on."),
            ["trace_id"] = Text("The W3C trace id of the request, as in the logs: quote it to support."),
            ["attempts_left"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int32",
                Minimum = "0",
                Description = "Only with `otp_invalid` (auth): wrong codes left before the lock.",
            },
            ["user_ids"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
                Description = "Only with the assignment problems of content: the users the problem is about.",
            },
        };
        var required = new HashSet<string> { "status", "code", "trace_id" };
        if (validation)
        {
            properties["errors"] = FieldErrors();
        }
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = validation
                ? "The problem of every 400: with `errors` (the field errors, under the names the client sent) whenever the " +
                    "problem is about particular fields, whatever its `code` (`validation_failed`, `invalid_page`, `weak_password`, ...); " +
                    "without them only for a 400 about the request as a whole (`bad_request`: the body is not JSON; " +
                    "`invalid_characters`; auth's `otp_invalid`, `otp_expired`, `token_invalid`)."
                : "A problem (RFC 9457, application/problem+json) with the Campus extensions: always `code` and `trace_id`.",
            Properties = properties,
            Required = required,
        };
    }

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };

    /// <summary>
    /// Document transformer: the generator writes a nullable enum property as <c>oneOf: [null, $ref]</c> and puts null
    /// in the enum itself too, so a null matches both branches and fails <c>oneOf</c>. Null stays in the <c>oneOf</c> only.
    /// </summary>
    internal static void KeepNullOutOfEnums(OpenApiDocument document)
    {
        foreach (var schema in document.Components?.Schemas?.Values.OfType<OpenApiSchema>() ?? [])
        {
            if (schema.Enum is { Count: > 0 } values && values.Any(IsNull))
            {
                schema.Enum = [.. values.Where(value => !IsNull(value))];
            }
        }

        static bool IsNull(JsonNode? value) => value is null || JsonNullSentinel.IsJsonNullSentinel(value);
    }

    /// <summary>Document transformer: the problem schemas, whatever the generator made of them.</summary>
    internal static void DescribeProblems(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = Problem(validation: false);
        document.Components.Schemas[ValidationProblemSchema] = Problem(validation: true);
    }

    /// <summary>
    /// Document transformer: in a request body's schema, and in every schema it holds (<c>items[0]</c> of
    /// <c>SettingChange</c>, the parts of <c>CompleteUploadRequest</c>), a <c>required</c> property is not nullable. A
    /// Campus request record declares a field the server checks for presence without a default (so the generator marks it
    /// required) and one the server treats as optional with <c>= null</c> (not required); a required field the server
    /// gets as null is refused with a 400, so the contract does not offer null for it.
    /// </summary>
    internal static void TightenRequestBodies(OpenApiDocument document)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null || document.Paths is null)
        {
            return;
        }
        var pending = new Stack<string>(document.Paths.Values
            .SelectMany(path => path.Operations?.Values.AsEnumerable() ?? [])
            .Select(operation => operation.RequestBody?.Content)
            .Where(content => content is not null)
            .SelectMany(content => content!.Values)
            .SelectMany(media => ReferencedIds(media.Schema))   // an optional body is oneOf [null, $ref]
            .Distinct());
        var seen = new HashSet<string>();
        while (pending.TryPop(out var id))
        {
            if (!seen.Add(id) || !schemas.TryGetValue(id, out var found) || found is not OpenApiSchema schema)
            {
                continue;
            }
            Tighten(schema);
            foreach (var nested in ReferencedIds(schema))
            {
                pending.Push(nested);
            }
        }

        static void Tighten(OpenApiSchema schema)
        {
            if (schema is not { Properties: { } properties, Required: { } required })
            {
                return;
            }
            foreach (var name in required)
            {
                switch (properties.TryGetValue(name, out var value) ? value : null)
                {
                    case OpenApiSchema { Type: { } type } property when type.HasFlag(JsonSchemaType.Null):
                        property.Type = type & ~JsonSchemaType.Null;
                        property.Enum = property.Enum?.Where(value => !IsNullValue(value)).ToList();
                        break;
                    case OpenApiSchema { OneOf: { Count: 2 } oneOf } when oneOf.Any(IsNull) && oneOf.FirstOrDefault(o => !IsNull(o)) is OpenApiSchemaReference reference:
                        properties[name] = reference;
                        break;
                }
            }
        }
    }

    // The component schemas a schema refers to: in its properties, items, additional properties and compositions.
    private static IEnumerable<string> ReferencedIds(IOpenApiSchema? schema) => schema switch
    {
        OpenApiSchemaReference reference when reference.Reference.Id is { } id => [id],
        OpenApiSchema concrete => (concrete.Properties?.Values ?? Enumerable.Empty<IOpenApiSchema>())
            .Concat(concrete.OneOf ?? []).Concat(concrete.AnyOf ?? []).Concat(concrete.AllOf ?? [])
            .Append(concrete.Items).Append(concrete.AdditionalProperties)
            .SelectMany(ReferencedIds),
        _ => [],
    };

    private static bool IsNull(IOpenApiSchema schema) => schema is OpenApiSchema { Type: JsonSchemaType.Null };

    private static bool IsNullValue(JsonNode? value) => value is null || JsonNullSentinel.IsJsonNullSentinel(value);

    // Marks, between the schema transformer and the document transformer, a closed value set that is written once as a
    // named component schema (OneOfAttribute.Schema). Never left in a document.
    private const string EnumSchemaExtension = "x-campus-enum-schema";

    /// <summary>
    /// Document transformer: each closed value set named with <see cref="OneOfAttribute.Schema"/> becomes one component
    /// schema (<c>Role</c>), and every field or parameter that takes it refers to it, so a client generator makes one type
    /// of it rather than one per field (<c>Roles</c>, <c>Roles2</c>).
    /// </summary>
    internal static void NameEnums(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        var components = document.Components.Schemas;
        foreach (var schema in components.Values.OfType<OpenApiSchema>().ToList())
        {
            Visit(schema);
        }
        var parameters = document.Paths?.Values.SelectMany(path => (path.Parameters ?? []).Concat(
            path.Operations?.Values.SelectMany(operation => operation.Parameters ?? []) ?? [])) ?? [];
        foreach (var parameter in parameters.OfType<OpenApiParameter>())
        {
            parameter.Schema = Named(parameter.Schema);
        }

        IOpenApiSchema? Named(IOpenApiSchema? schema)
        {
            if (schema is not OpenApiSchema concrete)
            {
                return schema;
            }
            if (concrete.Extensions is not { } extensions || !extensions.Remove(EnumSchemaExtension, out var marker))
            {
                Visit(concrete);
                return concrete;
            }
            var name = ((JsonNodeExtension)marker).Node.GetValue<string>();
            var type = concrete.Type ?? JsonSchemaType.String;
            components.TryAdd(name, new OpenApiSchema
            {
                Type = type & ~JsonSchemaType.Null,
                Enum = [.. (concrete.Enum ?? []).Where(value => !IsNullValue(value))],
            });
            var reference = new OpenApiSchemaReference(name, document);
            return type.HasFlag(JsonSchemaType.Null)
                ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, reference] }
                : reference;
        }

        void Visit(OpenApiSchema schema)
        {
            if (schema.Properties is { } properties)
            {
                foreach (var key in properties.Keys.ToList())
                {
                    properties[key] = Named(properties[key])!;
                }
            }
            schema.Items = Named(schema.Items);
            schema.AdditionalProperties = Named(schema.AdditionalProperties);
            foreach (var list in new[] { schema.OneOf, schema.AnyOf, schema.AllOf })
            {
                for (var i = 0; list is not null && i < list.Count; i++)
                {
                    list[i] = Named(list[i])!;
                }
            }
        }
    }

    /// <summary>Operation transformer: statuses and headers that follow from the endpoint's metadata.</summary>
    internal static void DescribeStandardResponses(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        operation.Responses ??= new OpenApiResponses();

        var needsToken = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (needsToken)
        {
            var unauthorized = Ensure(operation, document, StatusCodes.Status401Unauthorized,
                "No valid access token: missing, expired, revoked (`code` `token_revoked`) or not trusted.");
            AddHeader(unauthorized, "WWW-Authenticate", "The bearer challenge: `Bearer` with `error` and `error_description` when a token was sent.",
                required: true);
            var limited = Ensure(operation, document, StatusCodes.Status429TooManyRequests,
                "Too many requests from this user (the edge's per-user limit).");
            AddHeader(limited, "Retry-After", RetryAfter, required: true);
        }
        foreach (var limit in metadata.OfType<RateLimitedMetadata>())
        {
            var limited = Ensure(operation, document, StatusCodes.Status429TooManyRequests, limit.Description);
            AddHeader(limited, "Retry-After", RetryAfter, required: true);
        }

        var jsonBody = operation.RequestBody?.Content?.Keys.Any(type => type.Contains("json", StringComparison.OrdinalIgnoreCase)) == true;
        if (jsonBody)
        {
            Ensure(operation, document, StatusCodes.Status400BadRequest, "The body is not valid JSON or does not fit the schema.");
            Ensure(operation, document, StatusCodes.Status413PayloadTooLarge, "The body is larger than the service accepts.");
            Ensure(operation, document, StatusCodes.Status415UnsupportedMediaType, "The body is not `application/json`.");
        }

        // A query parameter that does not parse (?limit=abc) or a required one that is missing: the validation problem.
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true)
        {
            Ensure(operation, document, StatusCodes.Status400BadRequest,
                "The validation problem, field errors under `errors` (`validation_failed`, or the operation's own code such as " +
                "`invalid_page`); also for a query parameter that does not parse (`?limit=abc`) or is missing.");
        }

        // A path parameter is input too: a control character in it is refused (`invalid_characters`; a NUL already by the
        // edge, `bad_request`), like one in a query parameter or a body.
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true)
        {
            Ensure(operation, document, StatusCodes.Status400BadRequest,
                "A path parameter that cannot be read: a control character in it (`invalid_characters`, or the edge's " +
                "`bad_request` for a NUL).");
        }

        Ensure(operation, document, StatusCodes.Status500InternalServerError,
            "An unexpected failure: `code` `internal_error` with the `trace_id` to quote, never a stack trace.");
        // Every host answers a dependency it cannot reach (database, broker, cache, storage) with 503 and Retry-After.
        Ensure(operation, document, StatusCodes.Status503ServiceUnavailable,
            "A dependency is unreachable for a moment (`unavailable`, or the operation's own code): try again after `Retry-After`.");
        // What the path through the edge and the gateway answers for any operation when the service behind cannot.
        Ensure(operation, document, StatusCodes.Status502BadGateway,
            "The gateway could not reach the service, or the edge the gateway (`bad_gateway`): try again.");
        Ensure(operation, document, StatusCodes.Status504GatewayTimeout,
            "The service did not answer within the gateway's time limit for the route (`upstream_timeout`).");

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }
            switch (status)
            {
                case "201":
                    AddHeader(concrete, "Location", "The URL of the created resource; a GET answers it.", required: true);
                    break;
                case "302":
                    AddHeader(concrete, "Location", "Where to go: a short-lived presigned URL (`?redirect=false` answers it as JSON instead).", required: true);
                    break;
                case "429":
                    AddHeader(concrete, "Retry-After", RetryAfter, required: true);
                    break;
                case "503":
                    AddHeader(concrete, "Retry-After", RetryAfter, required: false);
                    break;
            }
        }
        foreach (var header in metadata.OfType<ResponseHeaderMetadata>())
        {
            if (operation.Responses.TryGetValue(header.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response)
                && response is OpenApiResponse concrete)
            {
                AddHeader(concrete, header.Name, header.Description, header.Required);
            }
        }

        if (metadata.OfType<DevelopmentOnlyMetadata>().Any())
        {
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions[DevelopmentOnlyExtension] = new JsonNodeExtension(JsonValue.Create(true));
            operation.Description = "Development only: this route exists only on a host running in the Development environment " +
                "(with the development SMS provider); no other host, the gateway or the edge serves it.";
        }

        // Every problem body is one of the two problem schemas, whatever the endpoint declared: a 400 the validation problem
        // (field errors or not), any other status the problem.
        foreach (var (status, response) in operation.Responses)
        {
            if (response.Content is { } content && content.TryGetValue(ProblemJson, out var media) && media is OpenApiMediaType concreteMedia)
            {
                concreteMedia.Schema = new OpenApiSchemaReference(status == "400" ? ValidationProblemSchema : ProblemSchema, document);
            }
        }
    }

    private const string RetryAfter = "Seconds to wait before trying again.";

    /// <summary>Schema transformer: <see cref="OneOfAttribute"/> on a property or parameter becomes the schema's <c>enum</c>.</summary>
    internal static void ApplyOneOf(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var attribute = OneOf(context);
        if (attribute is null)
        {
            return;
        }
        var target = schema.Type?.HasFlag(JsonSchemaType.Array) == true && schema.Items is OpenApiSchema items ? items : schema;
        var values = attribute.Values().Select(value => value.DeepClone()).ToList();
        if (target.Type?.HasFlag(JsonSchemaType.Null) == true)
        {
            values.Add(null!);
        }
        target.Enum = values;
        if (attribute.Schema is { } name)
        {
            target.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            target.Extensions[EnumSchemaExtension] = new JsonNodeExtension(JsonValue.Create(name));
        }
    }

    /// <summary>
    /// Schema transformer: a member marked <see cref="ObsoleteAttribute"/> (an old name still written for one release
    /// next to its new one) is <c>deprecated</c> in the contract.
    /// </summary>
    internal static void ApplyDeprecated(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        if (Find<ObsoleteAttribute>(context) is not null)
        {
            schema.Deprecated = true;
        }
    }

    /// <summary>
    /// Schema transformer: <see cref="BoundsAttribute"/> on a property or parameter becomes the schema's <c>maxLength</c>
    /// (a string), <c>maxItems</c> (an array, and <c>maxLength</c> of its string items) or <c>minimum</c> and
    /// <c>maximum</c> (an integer).
    /// </summary>
    internal static void ApplyBounds(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        if (Find<BoundsAttribute>(context) is not { } bounds)
        {
            return;
        }
        var type = schema.Type ?? 0;
        if (type.HasFlag(JsonSchemaType.Array))
        {
            schema.MaxItems = bounds.MaxItems > 0 ? bounds.MaxItems
                : throw new InvalidOperationException($"[Bounds] on the array {context.JsonPropertyInfo?.Name ?? context.ParameterDescription?.Name} needs MaxItems.");
            if (bounds.ItemMaxLength > 0 && schema.Items is OpenApiSchema items)
            {
                items.MaxLength = bounds.ItemMaxLength;
            }
        }
        else if (type.HasFlag(JsonSchemaType.String) && bounds.MaxLength > 0)
        {
            schema.MaxLength = bounds.MaxLength;
        }
        else if (type.HasFlag(JsonSchemaType.Integer) && bounds.HasRange)
        {
            schema.Minimum = bounds.Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture);
            schema.Maximum = bounds.Maximum.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            throw new InvalidOperationException(
                $"[Bounds] on {context.JsonPropertyInfo?.Name ?? context.ParameterDescription?.Name} does not fit its type {type}.");
        }
    }

    private static OneOfAttribute? OneOf(OpenApiSchemaTransformerContext context) => Find<OneOfAttribute>(context);

    // An attribute of the property (or of the positional record's parameter) or handler parameter a schema is made for.
    private static T? Find<T>(OpenApiSchemaTransformerContext context) where T : Attribute
    {
        if (context.JsonPropertyInfo is { } property)
        {
            if (property.AttributeProvider?.GetCustomAttributes(typeof(T), inherit: true).FirstOrDefault() is T onProperty)
            {
                return onProperty;
            }
            // A positional record's parameter carries it when written without `property:`.
            var name = (property.AttributeProvider as System.Reflection.MemberInfo)?.Name;
            return name is null ? null : property.DeclaringType.GetConstructors()
                .SelectMany(constructor => constructor.GetParameters())
                .FirstOrDefault(parameter => string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase))
                ?.GetCustomAttributes(typeof(T), inherit: true).FirstOrDefault() as T;
        }
        if (context.ParameterDescription?.ParameterDescriptor is Microsoft.AspNetCore.Mvc.Infrastructure.IParameterInfoParameterDescriptor parameter)
        {
            return parameter.ParameterInfo.GetCustomAttributes(typeof(T), inherit: true).FirstOrDefault() as T;
        }
        return null;
    }

    private static OpenApiResponse Ensure(OpenApiOperation operation, OpenApiDocument document, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse concrete)
        {
            if (string.IsNullOrEmpty(concrete.Description) || concrete.Description == ReasonPhrase(status))
            {
                concrete.Description = description;
            }
            return concrete;
        }
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
            },
        };
        operation.Responses[key] = response;
        return response;
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static void AddHeader(OpenApiResponse response, string name, string description, bool required)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader
        {
            Description = description,
            Required = required,
            Schema = name == "Retry-After"
                ? new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" }
                : new OpenApiSchema { Type = JsonSchemaType.String },
        };
    }
}

/// <summary>
/// The closed set of values a string field, query parameter or string array item takes, for the contract's <c>enum</c>:
/// a static member of <paramref name="type"/> named <paramref name="member"/> (an <c>IEnumerable&lt;string&gt;</c> or
/// <c>IEnumerable&lt;int&gt;</c>), so that the list the server checks is the list the contract shows.
/// <c>[property: OneOf(typeof(ReportCatalog), nameof(ReportCatalog.Formats))]</c> on a record's parameter.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class OneOfAttribute(Type type, string member) : Attribute
{
    /// <summary>
    /// The name of the component schema the values are written once as (<c>Role</c>), for a set that several fields take;
    /// null writes them into each field's schema.
    /// </summary>
    public string? Schema { get; set; }

    public IReadOnlyList<JsonNode> Values()
    {
        const System.Reflection.BindingFlags Static = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic |
            System.Reflection.BindingFlags.Static;
        var value = (object?)type.GetProperty(member, Static)?.GetValue(null) ?? type.GetField(member, Static)?.GetValue(null)
            ?? throw new InvalidOperationException($"{type.Name}.{member} is not a static property or field.");
        return value switch
        {
            IEnumerable<string> texts => [.. texts.Select(text => (JsonNode)JsonValue.Create(text))],
            IEnumerable<int> numbers => [.. numbers.Select(number => (JsonNode)JsonValue.Create(number.ToString(System.Globalization.CultureInfo.InvariantCulture)))],
            _ => throw new InvalidOperationException($"{type.Name}.{member} is not a list of strings or numbers."),
        };
    }
}

/// <summary>
/// The bound the server enforces on an input, for the contract: <see cref="MaxLength"/> of a string, <see cref="MaxItems"/>
/// of an array (and <see cref="ItemMaxLength"/> of its string items), <c>minimum</c> and <c>maximum</c> of an integer.
/// Give it the constant the endpoint's own check uses, so that the bound the contract shows is the bound the server
/// checks: <c>[property: Bounds(MaxLength = ChatRules.MaxBodyLength)]</c> on a record's parameter,
/// <c>[Bounds(1, Paging.MaxLimit)] int limit</c> on a query parameter. Like <see cref="OneOfAttribute"/> it states the
/// bound and checks nothing: the endpoint refuses an input out of bounds with a 400 and field errors, under its own
/// <c>code</c> (docs/api-conventions.md, "Bounds of input").
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class BoundsAttribute : Attribute
{
    /// <summary>A string's or array's bound: set <see cref="MaxLength"/> or <see cref="MaxItems"/>.</summary>
    public BoundsAttribute()
    {
    }

    /// <summary>An integer's bounds, both inclusive.</summary>
    public BoundsAttribute(long minimum, long maximum)
    {
        (Minimum, Maximum, HasRange) = (minimum, maximum, true);
    }

    public long Minimum { get; }

    public long Maximum { get; }

    internal bool HasRange { get; }

    /// <summary>The most characters (UTF-16 code units, as <c>string.Length</c> counts) a string takes.</summary>
    public int MaxLength { get; set; }

    /// <summary>The most items an array takes.</summary>
    public int MaxItems { get; set; }

    /// <summary>The most characters each string item of an array takes.</summary>
    public int ItemMaxLength { get; set; }
}
