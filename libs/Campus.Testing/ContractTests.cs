using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;

namespace Campus.Testing;

/// <summary>
/// Fails when the committed contract <c>libs/contracts/&lt;service&gt;.json</c> differs from the OpenAPI document the
/// service's code produces. Derive once per service test project:
/// <code>public sealed class AuthContractTests() : ContractTests&lt;Program&gt;("auth");</code>
/// </summary>
/// <remarks>
/// The host starts without any infrastructure: the settings below pass its start-up validation and point at a
/// closed port, and the libraries connect lazily. Local builds rewrite the contract, so this test bites in CI
/// (<c>CI=true</c>), where the build leaves the committed file alone. A service with required settings of its own passes
/// stand-ins for them as <paramref name="serviceSettings"/>.
/// </remarks>
public abstract class ContractTests<TProgram>(string serviceName, IReadOnlyDictionary<string, string>? serviceSettings = null)
    where TProgram : class
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["ConnectionStrings:Database"] = "Host=127.0.0.1;Port=9;Database=campus_contract;Username=campus",
        ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:9/",
        ["ConnectionStrings:Redis"] = "127.0.0.1:9",
        ["Database:MigrateOnStart"] = "false",
        ["Storage:ServiceUrl"] = "http://127.0.0.1:9",
        ["Storage:PublicUrl"] = "http://127.0.0.1:9",
        ["Storage:AccessKey"] = "contract",
        ["Storage:SecretKey"] = "contract",
        ["Storage:Region"] = "us-east-1",
        ["Jwt:JwksUrl"] = "http://127.0.0.1:9/api/auth/.well-known/jwks.json",
        ["Jwt:Issuer"] = "campus-contract",
        ["Jwt:Audience"] = "campus-contract",
        // Development-only routes are in the contract too (OpenApiExtensions.IsDocumentRun).
        ["OpenApi:DocumentRun"] = "true",
    };

    [Fact]
    public async Task Committed_contract_matches_the_code()
    {
        var contractPath = Path.Combine(RepositoryRoot(), "libs", "contracts", $"{serviceName}.json");
        Assert.True(File.Exists(contractPath), $"{contractPath} is missing. {HowToFix}");

        await using var factory = new WebApplicationFactory<TProgram>().WithWebHostBuilder(host =>
        {
            // The environment of the build-time run, so both sides are produced by the same configuration.
            host.UseEnvironment(Environments.Production);
            foreach (var (key, value) in Settings.Concat(serviceSettings ?? new Dictionary<string, string>()))
            {
                host.UseSetting(key, value);
            }
        });
        using var client = factory.CreateClient();
        var produced = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(contractPath, TestContext.Current.CancellationToken));

        var difference = FirstDifference(committed, produced, "$");
        Assert.True(difference is null,
            $"libs/contracts/{serviceName}.json differs from the code's OpenAPI document at {difference}. {HowToFix}");
    }

    [Fact]
    public void The_response_check_refuses_a_400_about_fields_without_field_errors()
    {
        var contractPath = Path.Combine(RepositoryRoot(), "libs", "contracts", $"{serviceName}.json");
        var json = File.ReadAllText(contractPath);
        var contract = new ContractCheck.Contract(serviceName, json);
        // Any operation that documents a 400, found as a request to it would be (its path parameters filled in).
        var operation = JsonNode.Parse(json)!["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject()
                .Where(operation => operation.Value?["responses"]?["400"] is not null)
                .Select(operation => contract.Find(operation.Key,
                    System.Text.RegularExpressions.Regex.Replace(path.Key, "{[^/]+}", Guid.NewGuid().ToString()))))
            .First(found => found?.Responses.ContainsKey("400") == true)!;

        List<string> Check(string code, JsonObject? errors)
        {
            var body = new JsonObject
            {
                ["status"] = 400, ["title"] = "One or more validation errors occurred.", ["code"] = code,
                ["trace_id"] = "0af7651916cd43dd8448eb211c80319c",
            };
            if (errors is not null)
            {
                body["errors"] = errors;
            }
            return contract.Check(operation, 400, "application/problem+json", new Dictionary<string, string>(),
                System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), operation.Method);
        }

        Assert.Contains(Check("weak_password", null), problem => problem.Contains("no field errors", StringComparison.Ordinal));
        Assert.Contains(Check("validation_failed", new JsonObject()), problem => problem.Contains("no field errors", StringComparison.Ordinal));
        Assert.Empty(Check("weak_password", new JsonObject { ["password"] = new JsonArray("Too common.") }));
        Assert.Empty(Check("bad_request", null));
    }

    private string HowToFix =>
        $"Build the service locally (without CI=true), e.g. `dotnet build services/{serviceName}/Campus.{char.ToUpperInvariant(serviceName[0])}{serviceName[1..]}`: " +
        "it rewrites the document; review the change with `git diff libs/contracts` and commit it with the code.";

    /// <summary>
    /// The JSON path of the first difference, or null when equal. Objects compare by member name, not order
    /// (JSON semantics); arrays by position, since order in an OpenAPI array (parameters, enums) is meaningful.
    /// </summary>
    private static string? FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected, actual)
        {
            case (null, null):
                return null;
            case (JsonObject left, JsonObject right):
                foreach (var name in left.Select(member => member.Key).Union(right.Select(member => member.Key)).Order(StringComparer.Ordinal))
                {
                    var memberPath = $"{path}['{name}']";
                    if (!left.ContainsKey(name) || !right.ContainsKey(name))
                    {
                        return $"{memberPath} (only in {(left.ContainsKey(name) ? "the committed file" : "the code's document")})";
                    }
                    if (FirstDifference(left[name], right[name], memberPath) is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case (JsonArray left, JsonArray right):
                for (var i = 0; i < Math.Max(left.Count, right.Count); i++)
                {
                    if (i >= left.Count || i >= right.Count)
                    {
                        return $"{path} (length {left.Count} committed, {right.Count} in the code)";
                    }
                    if (FirstDifference(left[i], right[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            default:
                return JsonNode.DeepEquals(expected, actual)
                    ? null
                    : $"{path} (committed {expected?.ToJsonString() ?? "null"}, code {actual?.ToJsonString() ?? "null"})";
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Campus.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No Campus.slnx above {AppContext.BaseDirectory}.");
    }
}
