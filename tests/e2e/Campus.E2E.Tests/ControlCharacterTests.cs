using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Campus.E2E.Tests;

/// <summary>
/// U+0000 sent to every string a Campus API takes — each string query parameter and each JSON request body of every
/// operation in the committed OpenAPI contracts (<c>libs/contracts/*.json</c>), so a new endpoint is covered without
/// touching this test — answers 400 <c>invalid_characters</c>, straight at the service and through the edge; never a
/// 500. A string path parameter gets one too and must answer 400.
/// </summary>
public sealed class ControlCharacterTests
{
    private const string Nul = "a\u0000b";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Contracts() =>
        [.. Directory.GetFiles(Path.Combine(Platform.Root, "libs", "contracts"), "*.json").Select(file => Path.GetFileNameWithoutExtension(file)!).Order()];

    [Theory]
    [MemberData(nameof(Contracts))]
    public async Task Every_string_an_operation_takes_refuses_a_nul_with_400(string service)
    {
        var session = await SignIn.PhoneAsync();
        var contract = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Platform.Root, "libs", "contracts", service + ".json"), Ct))!;
        var schemas = contract["components"]?["schemas"]?.AsObject();
        var failures = new List<string>();
        var probes = 0;

        foreach (var (path, item) in contract["paths"]!.AsObject())
        {
            foreach (var (method, operationNode) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "patch" or "delete"))
                {
                    continue;
                }
                var operation = operationNode!.AsObject();
                if (operation["x-campus-development-only"]?.GetValue<bool>() == true)
                {
                    continue; // the edge never routes development-only operations (404 there by design)
                }
                var parameters = operation["parameters"]?.AsArray().Select(p => p!.AsObject()).ToList() ?? [];
                var pathParams = parameters.Where(p => (string?)p["in"] == "path").ToList();
                var baseUrl = FillPath(path, pathParams, nulIn: null);

                foreach (var query in parameters.Where(p => (string?)p["in"] == "query" && IsString(Resolve(p["schema"], schemas))))
                {
                    var name = (string)query["name"]!;
                    await ProbeAsync($"{method.ToUpperInvariant()} {path} ?{name}", new HttpMethod(method.ToUpperInvariant()),
                        $"{baseUrl}?{Uri.EscapeDataString(name)}={Uri.EscapeDataString(Nul)}", null, expectCode: true);
                }

                foreach (var param in pathParams.Where(p => IsString(Resolve(p["schema"], schemas)) && (string?)Resolve(p["schema"], schemas)?["format"] is null))
                {
                    // Kestrel (and nginx) refuse a %00 in the path before any Campus code: 400 without our code.
                    await ProbeAsync($"{method.ToUpperInvariant()} {path} /{{{param["name"]}}}", new HttpMethod(method.ToUpperInvariant()),
                        FillPath(path, pathParams, nulIn: (string)param["name"]!), null, expectCode: false);
                }

                if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } bodySchema
                    && Sample(bodySchema, schemas, depth: 0) is { } body && ContainsNul(body))
                {
                    await ProbeAsync($"{method.ToUpperInvariant()} {path} body", new HttpMethod(method.ToUpperInvariant()), baseUrl, body.ToJsonString(), expectCode: true);
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {probes} probes of {service} were not refused:\n{string.Join('\n', failures)}");
        // A contract whose operations take input must yield probes (else the walk above is broken); one whose operations
        // take none (analytics' rebuild) has nothing to probe.
        var takesInput = contract["paths"]!.AsObject().Any(item => item.Value!.AsObject().Any(operation =>
            operation.Value is JsonObject op && (op["parameters"]?.AsArray().Count > 0 || op["requestBody"] is not null)));
        if (takesInput)
        {
            Assert.True(probes > 0, $"the {service} contract has no string input at all?");
        }

        async Task ProbeAsync(string what, HttpMethod method, string relative, string? json, bool expectCode)
        {
            foreach (var (via, root) in new[] { ("service", Platform.HostUrl(service)), ("edge", Platform.EdgeUrl) })
            {
                probes++;
                using var request = new HttpRequestMessage(method, root + relative.TrimStart('/'));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
                if (json is not null)
                {
                    request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                }
                using var response = await Http.Client.SendAsync(request, Ct);
                var text = await response.Content.ReadAsStringAsync(Ct);
                var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    ? JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()
                    : null;
                if (response.StatusCode != HttpStatusCode.BadRequest || (expectCode && code != "invalid_characters"))
                {
                    failures.Add($"{what} via {via}: {(int)response.StatusCode} {code ?? text[..Math.Min(text.Length, 120)]}");
                }
            }
        }
    }

    private static string FillPath(string path, List<JsonObject> pathParams, string? nulIn)
    {
        foreach (var param in pathParams)
        {
            var name = (string)param["name"]!;
            var schema = param["schema"];
            var value = name == nulIn ? Uri.EscapeDataString(Nul)
                : (string?)schema?["format"] == "uuid" ? Guid.NewGuid().ToString()
                : TypeOf(schema) is "integer" or "number" ? "1"
                : "x";
            path = path.Replace($"{{{name}}}", value, StringComparison.Ordinal);
        }
        return path;
    }

    private static JsonNode? Resolve(JsonNode? schema, JsonObject? schemas)
    {
        for (var i = 0; i < 10 && schema?["$ref"] is { } reference; i++)
        {
            schema = schemas?[((string)reference!).Split('/')[^1]];
        }
        if ((schema?["oneOf"] ?? schema?["anyOf"] ?? schema?["allOf"]) is { } choices)
        {
            return choices.AsArray().Select(c => Resolve(c, schemas)).FirstOrDefault(c => TypeOf(c) != "null") ?? schema;
        }
        return schema;
    }

    /// <summary>The schema's type, ignoring "null" in a type array (nullable).</summary>
    private static string? TypeOf(JsonNode? schema) => schema?["type"] switch
    {
        JsonArray types => types.Select(t => (string?)t).FirstOrDefault(t => t != "null"),
        JsonValue type => (string?)type,
        _ => schema?["properties"] is not null ? "object" : null,
    };

    private static bool IsString(JsonNode? schema) => TypeOf(schema) == "string";

    /// <summary>A value of the schema with U+0000 in every string.</summary>
    private static JsonNode? Sample(JsonNode? schema, JsonObject? schemas, int depth)
    {
        schema = Resolve(schema, schemas);
        if (depth > 6)
        {
            return null;
        }
        switch (TypeOf(schema))
        {
            case "string":
                return JsonValue.Create(Nul);
            case "integer" or "number":
                return JsonValue.Create(1);
            case "boolean":
                return JsonValue.Create(true);
            case "array":
                return Sample(schema!["items"], schemas, depth + 1) is { } item ? new JsonArray(item) : new JsonArray();
            case "object":
                var result = new JsonObject();
                foreach (var (name, property) in schema!["properties"]?.AsObject() ?? [])
                {
                    result[name] = Sample(property, schemas, depth + 1);
                }
                return result;
            default:
                return null;
        }
    }

    private static bool ContainsNul(JsonNode node) => node.ToJsonString().Contains("\\u0000", StringComparison.Ordinal);
}
