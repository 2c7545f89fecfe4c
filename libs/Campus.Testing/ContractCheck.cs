using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Campus.Testing;

/// <summary>
/// Checks every response a service host gives in its integration tests against the committed contract
/// (<c>libs/contracts/&lt;service&gt;.json</c>): the status is documented for the operation, the body has a documented
/// media type and fits its schema (with undeclared properties refused), and the documented required headers are there.
/// A response that does not fit fails the request in the test with a <see cref="ContractViolationException"/> naming
/// the operation and the JSON path.
/// </summary>
/// <remarks>
/// <see cref="CampusHostFactory{TProgram}"/> puts it in front of every host it starts (outside the app's own
/// middleware), so every test client goes through it. It looks only at requests whose path and method are an operation
/// of the contract (not /healthz, /openapi, WebSocket upgrades, unknown paths or methods). A test that must see an
/// undocumented answer on purpose sends <see cref="ExemptHeader"/> with its reason; none does today.
/// The end-to-end suite checks the answers of the running platform the same way, on the client side
/// (<see cref="ContractCheckHandler"/>), and every checked answer counts for <see cref="ContractCoverage"/>.
/// </remarks>
public static class ContractCheck
{
    /// <summary>A request header that exempts its response from the check; the value says why.</summary>
    public const string ExemptHeader = "X-Campus-Contract-Exempt";

    private static readonly ConcurrentDictionary<string, Contract?> Contracts = new();

    /// <summary>The contract of a host (<c>Campus.Auth</c> -> <c>auth.json</c>), or null for a host that has none (workers, the gateway).</summary>
    internal static Contract? For(string applicationName)
    {
        if (!applicationName.StartsWith("Campus.", StringComparison.Ordinal) || applicationName.Count(c => c == '.') != 1)
        {
            return null;
        }
        return ForService(applicationName["Campus.".Length..].ToLowerInvariant());
    }

    /// <summary>The contract of a service (<c>auth</c> -> <c>libs/contracts/auth.json</c>), or null when there is none.</summary>
    internal static Contract? ForService(string service)
    {
        if (service.Length == 0 || !service.All(c => c is >= 'a' and <= 'z' or '-'))
        {
            return null;
        }
        return Contracts.GetOrAdd(service, name =>
        {
            var path = Path.Combine(ContractsFolder, $"{name}.json");
            return File.Exists(path) ? new Contract(name, File.ReadAllText(path)) : null;
        });
    }

    /// <summary>libs/contracts of the repository the tests run from.</summary>
    internal static string ContractsFolder => Path.Combine(TestInfrastructure.RepositoryRoot, "libs", "contracts");

    internal static IStartupFilter StartupFilter() => new Filter();

    private sealed class Filter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var environment = app.ApplicationServices.GetService(typeof(IWebHostEnvironment)) as IWebHostEnvironment;
            var contract = environment is null ? null : For(environment.ApplicationName);
            if (contract is not null)
            {
                app.Use((context, nextMiddleware) => CheckAsync(contract, context, nextMiddleware));
            }
            next(app);
        };
    }

    private static async Task CheckAsync(Contract contract, HttpContext context, RequestDelegate next)
    {
        var operation = context.Request.Headers.ContainsKey(ExemptHeader) || context.WebSockets.IsWebSocketRequest
            ? null
            : contract.Find(context.Request.Method, context.Request.Path.Value ?? "/");
        if (operation is null)
        {
            await next(context);
            return;
        }

        // The body goes to memory first, so that a response that breaks the contract never reaches the test as if it were fine.
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        var capture = new StreamResponseBodyFeature(buffer, original);
        context.Features.Set<IHttpResponseBodyFeature>(capture);
        try
        {
            await next(context);
            await capture.CompleteAsync();
        }
        finally
        {
            context.Features.Set(original);
        }

        var headers = context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var problems = contract.Check(operation, context.Response.StatusCode, context.Response.ContentType, headers, buffer.ToArray(),
            context.Request.Method);
        ContractCoverage.Record(contract, operation, context.Response.StatusCode);
        if (problems.Count > 0)
        {
            throw ContractViolationException.Of(contract, $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}",
                operation, $"{context.Response.StatusCode}", problems, buffer.ToArray());
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original.Stream, context.RequestAborted);
    }

    internal static string Truncate(string text) => text.Length <= 600 ? text : text[..600] + "…";

    /// <summary>
    /// One operation of a contract: its path template, method and the JSON of its <c>responses</c>. A request the
    /// contract lists no operation for gets a stand-in (<see cref="Contract.Unlisted"/>, <see cref="Unlisted"/> true).
    /// </summary>
    internal sealed record Operation(string Template, string Method, string? OperationId, JsonObject Responses, bool Unlisted = false)
    {
        public string Describe() => Unlisted ? Template : OperationId ?? $"{Method.ToUpperInvariant()} {Template}";
    }

    /// <summary>A committed contract, loaded once per test process.</summary>
    internal sealed class Contract
    {
        private static readonly Uri BaseUri = new("https://contracts.campus.test/");
        private const string ProblemSchema = "ProblemDetails";
        private const string ValidationProblemSchema = "HttpValidationProblemDetails";
        private readonly List<(Regex Path, int Parameters, Dictionary<string, Operation> Methods)> _paths = [];
        private readonly EvaluationOptions _options;
        private readonly Uri _documentUri;
        private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

        public Contract(string service, string json)
        {
            Service = service;
            var document = JsonNode.Parse(json)!.AsObject();
            _documentUri = new Uri(BaseUri, $"{service}.json");
            Prepare(document["components"]?["schemas"], _documentUri);
            Prepare(document["paths"], _documentUri);
            _options = new EvaluationOptions { OutputFormat = OutputFormat.List, EvaluateAs = SpecVersion.Draft202012 };
            _options.SchemaRegistry.Register(new JsonNodeBaseDocument(document, _documentUri));

            foreach (var (template, item) in document["paths"]!.AsObject())
            {
                var methods = new Dictionary<string, Operation>(StringComparer.OrdinalIgnoreCase);
                foreach (var (method, operation) in item!.AsObject())
                {
                    if (operation?["responses"] is JsonObject responses)
                    {
                        methods[method] = new Operation(template, method, operation["operationId"]?.GetValue<string>(), responses);
                    }
                }
                var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^/]+?\}", "[^/]+") + "/?$";
                _paths.Add((new Regex(pattern, RegexOptions.CultureInvariant), template.Count(c => c == '{'), methods));
            }
            // A literal segment wins over a parameter: /chats/invitations before /chats/{id}.
            _paths.Sort((a, b) => a.Parameters.CompareTo(b.Parameters));
        }

        public string Service { get; }

        /// <summary>Every operation of the contract, in path order.</summary>
        public IEnumerable<Operation> Operations => _paths.SelectMany(p => p.Methods.Values).OrderBy(o => o.Template, StringComparer.Ordinal);

        public Operation? Find(string method, string path)
        {
            foreach (var (regex, _, methods) in _paths)
            {
                if (regex.IsMatch(path))
                {
                    return methods.GetValueOrDefault(method);
                }
            }
            return null;
        }

        /// <summary>
        /// What the contract allows for a request it lists no operation for (<c>info.description</c> of every contract):
        /// a path it does not list answers 404 <c>not_found</c>, a method a listed path does not have 405
        /// <c>method_not_allowed</c> with <c>Allow</c>; in front of either, what the edge and the gateway answer for any
        /// request: 400 (a request the edge cannot read, a control character in the path), 401 with
        /// <c>WWW-Authenticate</c> (no valid token), 413 (a body over the edge's or the gateway's limit), 414, 429 with
        /// <c>Retry-After</c>, 502, 503 and 504. Every one of them is a problem (<c>ProblemDetails</c>; a 400 the
        /// validation problem, as on every operation).
        /// </summary>
        public Operation Unlisted(string method, string path)
        {
            var pathListed = _paths.Any(p => p.Path.IsMatch(path));
            JsonObject Answer(string schema, params string[] requiredHeaders) => new()
            {
                ["headers"] = new JsonObject(requiredHeaders.Select(name =>
                    KeyValuePair.Create(name, (JsonNode?)new JsonObject { ["required"] = true }))),
                ["content"] = new JsonObject
                {
                    ["application/problem+json"] = new JsonObject
                    {
                        ["schema"] = new JsonObject { ["$ref"] = _documentUri + "#/components/schemas/" + schema },
                    },
                },
            };
            JsonObject Problem(params string[] requiredHeaders) => Answer(ProblemSchema, requiredHeaders);
            var responses = new JsonObject
            {
                ["400"] = Answer(ValidationProblemSchema),
                ["401"] = Problem("WWW-Authenticate"),
                [pathListed ? "405" : "404"] = pathListed ? Problem("Allow") : Problem(),
                ["413"] = Problem(),
                ["414"] = Problem(),
                ["429"] = Problem("Retry-After"),
                ["502"] = Problem(),
                ["503"] = Problem(),
                ["504"] = Problem(),
            };
            return new Operation(pathListed ? "(a method the path does not list)" : "(a path the contract does not list)",
                method, null, responses, Unlisted: true);
        }

        /// <summary>
        /// The ways an answer breaks the contract (none: it fits). A <paramref name="body"/> of null was not read (a stream,
        /// a file): its status, headers and media type are checked, not its content.
        /// </summary>
        public List<string> Check(Operation operation, int status, string? contentType, IReadOnlyDictionary<string, string> headers,
            byte[]? body, string method)
        {
            var problems = new List<string>();
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var responseKey = operation.Responses.ContainsKey(key) ? key
                : operation.Responses.ContainsKey($"{key[0]}XX") ? $"{key[0]}XX"
                : operation.Responses.ContainsKey("default") ? "default" : null;
            if (responseKey is null)
            {
                problems.Add($"status {status} is not documented (documented: {string.Join(", ", operation.Responses.Select(r => r.Key))})");
                return problems;
            }
            var response = operation.Responses[responseKey]!.AsObject();

            if (response["headers"] is JsonObject documentedHeaders)
            {
                foreach (var (name, header) in documentedHeaders)
                {
                    if (header?["required"]?.GetValue<bool>() == true && !headers.ContainsKey(name))
                    {
                        problems.Add($"the required header {name} is missing");
                    }
                }
            }

            var content = response["content"] as JsonObject;
            if (body is { Length: 0 } || HttpMethods.IsHead(method))
            {
                if (content is { Count: > 0 } && status != StatusCodes.Status304NotModified)
                {
                    problems.Add($"the body is empty, the contract documents {string.Join(", ", content.Select(c => c.Key))}");
                }
                return problems;
            }
            if (content is null || content.Count == 0)
            {
                problems.Add($"a body ({contentType}) where the contract documents none");
                return problems;
            }
            var mediaType = (contentType ?? "").Split(';', 2)[0].Trim();
            var documentedType = content.Select(c => c.Key).FirstOrDefault(t => string.Equals(t, mediaType, StringComparison.OrdinalIgnoreCase))
                ?? content.Select(c => c.Key).FirstOrDefault(t => t == "*/*" || (t.EndsWith("/*", StringComparison.Ordinal)
                    && mediaType.StartsWith(t[..^1], StringComparison.OrdinalIgnoreCase)));
            if (documentedType is null)
            {
                problems.Add($"content type {contentType} is not documented (documented: {string.Join(", ", content.Select(c => c.Key))})");
                return problems;
            }
            if (body is null || !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || content[documentedType]?["schema"] is null)
            {
                return problems;
            }

            JsonNode? instance;
            try
            {
                instance = JsonNode.Parse(body);
            }
            catch (JsonException e)
            {
                problems.Add($"the body is not JSON: {e.Message}");
                return problems;
            }
            if (status == StatusCodes.Status400BadRequest && FieldErrorsMissing(instance) is { } missing)
            {
                problems.Add(missing);
            }
            var schemaNode = content[documentedType]!["schema"]!;
            var schema = _schemas.GetOrAdd($"{operation.Method} {operation.Template} {responseKey} {documentedType}",
                _ => JsonSchema.FromText(schemaNode.ToJsonString()));
            var results = schema.Evaluate(instance, _options);
            if (!results.IsValid)
            {
                foreach (var detail in (results.Details.Count > 0 ? results.Details : [results])
                    .Where(d => d.Errors is { Count: > 0 }).Take(8))
                {
                    foreach (var (keyword, error) in detail.Errors!)
                    {
                        problems.Add($"body at ${ToJsonPath(detail.InstanceLocation.ToString())}: {error} ({keyword} at {detail.EvaluationPath})");
                    }
                }
                if (problems.Count == 0)
                {
                    problems.Add("the body does not fit the schema");
                }
            }
            return problems;
        }

        // The 400s about the request as a whole, which name no field: the body is not JSON at all, a control character
        // somewhere in the request, auth's answers about a secret (a wrong or expired sign-in code, a used or unknown
        // link token), which the client cannot fix field by field, and chat's plain GET of a socket path. Every other 400 is about fields and carries them.
        private static readonly HashSet<string> WholeRequestCodes =
            ["bad_request", "invalid_characters", "otp_invalid", "otp_expired", "token_invalid", "websocket_required"];

        // Every 400 about particular input fields carries `errors: {field: [message]}` whatever its code
        // (docs/api-conventions.md); the schema cannot say so, as the same schema serves the whole-request 400s.
        private static string? FieldErrorsMissing(JsonNode? body)
        {
            if (body is not JsonObject problem || problem["errors"] is JsonObject { Count: > 0 })
            {
                return null;
            }
            var code = problem["code"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
            return code is not null && WholeRequestCodes.Contains(code)
                ? null
                : $"a 400 with code {code ?? "(none)"} and no field errors: a 400 about input fields carries errors " +
                  $"{{field: [message]}} (only {string.Join(", ", WholeRequestCodes.Order())} are about the request as a whole)";
        }

        private static string ToJsonPath(string pointer) =>
            string.Concat(pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Select(segment => int.TryParse(segment, out var index) ? $"[{index}]" : $".{segment.Replace("~1", "/").Replace("~0", "~")}"));

        // Undeclared properties are drift too: every object schema with declared properties refuses the others here
        // (the committed contract stays open for additions; the service's own answers must not rely on that).
        // References become absolute, so that a response's schema can be evaluated on its own against the registered document.
        private static void Prepare(JsonNode? node, Uri document)
        {
            switch (node)
            {
                case JsonObject schema:
                    if (schema["properties"] is JsonObject && !schema.ContainsKey("additionalProperties")
                        && !schema.ContainsKey("allOf") && !schema.ContainsKey("anyOf") && !schema.ContainsKey("oneOf"))
                    {
                        schema["additionalProperties"] = false;
                    }
                    if (schema["$ref"] is JsonValue reference && reference.GetValue<string>() is { } target && target.StartsWith('#'))
                    {
                        schema["$ref"] = document + target;
                    }
                    foreach (var (name, child) in schema.ToList())
                    {
                        if (name != "example" && name != "examples" && name != "enum" && name != "const" && name != "default")
                        {
                            Prepare(child, document);
                        }
                    }
                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Prepare(child, document);
                    }
                    break;
            }
        }
    }
}

/// <summary>A response that the committed contract does not allow.</summary>
public sealed class ContractViolationException(string message) : Exception(message)
{
    /// <summary>
    /// What <paramref name="request"/> (method, path and query) answered, <paramref name="answered"/> (the status, and by
    /// whom), and each way it breaks <paramref name="contract"/>, with the start of the body when it was read.
    /// </summary>
    internal static ContractViolationException Of(ContractCheck.Contract contract, string request, ContractCheck.Operation operation,
        string answered, IEnumerable<string> problems, byte[]? body) =>
        new($"{request} ({operation.Describe()}) answered {answered}, which libs/contracts/{contract.Service}.json does not allow:\n  " +
            string.Join("\n  ", problems) + (body is null ? "" : $"\nBody: {ContractCheck.Truncate(Encoding.UTF8.GetString(body))}"));
}
