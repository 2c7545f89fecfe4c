using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Json.Schema;

namespace Campus.Testing;

/// <summary>
/// The contracts of integration events: one JSON Schema per routing key in <c>libs/contracts/events/&lt;routing key&gt;.json</c>,
/// generated from the producer's record and committed. Each service's <c>EventContractTests</c> passes every event record
/// of its assemblies to <see cref="Check"/>:
/// <list type="bullet">
/// <item>a record of the service's own routing keys (<c>&lt;service&gt;.*</c>) is the producer's: its schema must equal
/// the committed one (rewritten outside CI, compared in CI), and what it serializes validates against it;</item>
/// <item>any other record is a consumer's copy: every property it reads must be in the producer's schema with a type
/// it accepts, and a sample valid per that schema must deserialize into it without losing a value it reads. A member
/// without a getter (a tolerant read of a name the producer no longer writes) is left out of both.</item>
/// </list>
/// </summary>
/// <remarks>
/// Campus.Testing does not reference Campus.Messaging: records are found by their <c>[RoutingKey]</c> attribute's name,
/// and the caller passes the serializer options (<c>IntegrationEventJson.Options</c>).
/// </remarks>
public static class EventContracts
{
    private const string SchemaDialect = "https://json-schema.org/draft/2020-12/schema";

    /// <summary>True on CI (<c>CI=true</c>): committed schemas are compared, never rewritten.</summary>
    private static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Every record with a routing key in the service's assemblies (<c>Campus.&lt;Service&gt;.dll</c> and
    /// <c>Campus.&lt;Service&gt;.*.dll</c> beside the tests: host, worker, shared data), by type name, for a theory.
    /// </summary>
    public static TheoryData<string> EventsOf(string service)
    {
        var prefix = $"Campus.{char.ToUpperInvariant(service[0])}{service[1..]}";
        var assemblies = Directory.EnumerateFiles(AppContext.BaseDirectory, $"{prefix}*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => (name == prefix || name!.StartsWith(prefix + ".", StringComparison.Ordinal)) && !name.EndsWith(".Tests", StringComparison.Ordinal))
            .Select(name => Assembly.Load(new AssemblyName(name!)));
        var data = new TheoryData<string>();
        foreach (var type in assemblies.SelectMany(assembly => assembly.GetTypes())
                     .Where(type => !type.IsAbstract && RoutingKeyOf(type) is not null)
                     .OrderBy(type => type.FullName, StringComparer.Ordinal))
        {
            data.Add($"{type.FullName}, {type.Assembly.GetName().Name}");
        }
        Assert.True(data.Count > 0, $"No integration event records in {prefix}*.dll beside the tests.");
        return data;
    }

    /// <summary>The routing key declared on <paramref name="type"/> (<c>[RoutingKey("...")]</c>), or null.</summary>
    public static string? RoutingKeyOf(Type type)
    {
        var attribute = type.GetCustomAttributes(inherit: false).FirstOrDefault(a => a.GetType().Name == "RoutingKeyAttribute");
        return attribute?.GetType().GetProperty("RoutingKey")?.GetValue(attribute) as string;
    }

    /// <summary>Checks the record named <paramref name="typeName"/> as the producer's or a consumer's, see the class.</summary>
    public static void Check(string service, string typeName, JsonSerializerOptions options)
    {
        var type = Type.GetType(typeName, throwOnError: true)!;
        var routingKey = RoutingKeyOf(type) ?? throw new InvalidOperationException($"{type} has no [RoutingKey].");
        if (routingKey.StartsWith(service + ".", StringComparison.Ordinal))
        {
            CheckProducer(type, routingKey, options);
        }
        else
        {
            CheckConsumer(type, routingKey, options);
        }
    }

    /// <summary>The schema of <paramref name="type"/> as <paramref name="options"/> write it (see <see cref="Check"/>).</summary>
    public static JsonObject SchemaOf(Type type, string routingKey, JsonSerializerOptions options)
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (_, node) =>
            {
                // A producer writes every member of its record, null included: all of them are required, and nothing else.
                if (node is JsonObject schema && schema["properties"] is JsonObject properties)
                {
                    schema["required"] = new JsonArray([.. properties.Select(property => (JsonNode)property.Key)]);
                    schema["additionalProperties"] = false;
                }
                return node;
            },
        };
        var schema = (JsonObject)WritingOptions(options).GetJsonSchemaAsNode(type, exporter);
        // The event's type is its routing key.
        if (schema["properties"] is JsonObject members && members.ContainsKey("type"))
        {
            members["type"] = new JsonObject { ["type"] = "string", ["const"] = routingKey };
        }
        var document = new JsonObject
        {
            ["$schema"] = SchemaDialect,
            ["title"] = routingKey,
            ["description"] = $"The integration event {routingKey}, as its producer ({type.FullName}) publishes it on RabbitMQ. " +
                "Generated from that record: do not edit by hand.",
        };
        foreach (var (name, value) in schema)
        {
            document[name] = value?.DeepClone();
        }
        return document;
    }

    /// <summary>The committed schema's path for <paramref name="routingKey"/>.</summary>
    public static string SchemaPath(string routingKey) =>
        Path.Combine(RepositoryRoot(), "libs", "contracts", "events", $"{routingKey}.json");

    private static void CheckProducer(Type type, string routingKey, JsonSerializerOptions options)
    {
        var path = SchemaPath(routingKey);
        var produced = SchemaOf(type, routingKey, options);
        var committed = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        if (!JsonNode.DeepEquals(committed, produced))
        {
            var fix = $"Run the test locally (without CI=true): it rewrites libs/contracts/events/{routingKey}.json from {type.Name}; " +
                "review the change with `git diff libs/contracts/events` and commit it with the code.";
            Assert.False(OnCi, committed is null
                ? $"libs/contracts/events/{routingKey}.json is missing. {fix}"
                : $"libs/contracts/events/{routingKey}.json differs from {type.FullName} at {FirstDifference(committed, produced, "$")}. {fix}");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, produced.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        // What the producer writes validates against the schema: a sample through the record and back.
        var sample = SampleOf(produced);
        var @event = JsonSerializer.Deserialize(sample.ToJsonString(), type, options)!;
        var written = JsonNode.Parse(JsonSerializer.Serialize(@event, type, options))!;
        AssertValid(produced, written, $"{type.Name} serialized");
        var lost = Lost(sample, written, "$");
        Assert.True(lost is null, $"{type.Name} does not write back what it read at {lost}.");
    }

    private static void CheckConsumer(Type type, string routingKey, JsonSerializerOptions options)
    {
        var path = SchemaPath(routingKey);
        Assert.True(File.Exists(path),
            $"{type.FullName} consumes {routingKey}, which has no schema in libs/contracts/events: its producer's tests write it.");
        var producer = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        var consumer = SchemaOf(type, routingKey, options);

        var problems = new List<string>();
        Compatible(consumer, producer, "$", problems);
        Assert.True(problems.Count == 0,
            $"{type.FullName} does not agree with the producer's libs/contracts/events/{routingKey}.json:\n  " + string.Join("\n  ", problems));

        // A message valid per the producer's schema deserializes into the consumer's record with every value it reads.
        var sample = SampleOf(producer);
        AssertValid(producer, sample, "the sample");
        var @event = JsonSerializer.Deserialize(sample.ToJsonString(), type, options)!;
        var read = JsonNode.Parse(JsonSerializer.Serialize(@event, type, WritingOptions(options)))!;
        var lost = Lost(sample, read, "$");
        Assert.True(lost is null, $"{type.FullName} loses the producer's value of {lost} of {routingKey}.");
    }

    /// <summary>
    /// Adds to <paramref name="problems"/> every way in which <paramref name="consumer"/> expects what
    /// <paramref name="producer"/> does not promise: a property it lacks, a type, format or value the consumer does not accept.
    /// </summary>
    private static void Compatible(JsonNode? consumer, JsonNode? producer, string path, List<string> problems)
    {
        if (consumer is not JsonObject wants || producer is not JsonObject has)
        {
            return;
        }
        var wanted = Types(wants);
        var given = Types(has);
        if (wanted.Count > 0 && !given.IsSubsetOf(wanted))
        {
            problems.Add($"{path}: the producer writes {string.Join("|", given.Order())}, the consumer reads {string.Join("|", wanted.Order())}");
        }
        if (wants["format"] is { } format && has["format"]?.GetValue<string>() != format.GetValue<string>())
        {
            problems.Add($"{path}: the consumer expects format {format}, the producer promises {has["format"]?.ToJsonString() ?? "none"}");
        }
        if (wants["enum"] is JsonArray accepted)
        {
            var values = has["enum"] as JsonArray ?? (has["const"] is { } constant ? new JsonArray(constant.DeepClone()) : null);
            if (values is null)
            {
                problems.Add($"{path}: the consumer accepts only {accepted.ToJsonString()}, the producer promises no closed set");
            }
            else if (values.FirstOrDefault(value => !accepted.Any(ok => JsonNode.DeepEquals(ok, value))) is { } unknown)
            {
                problems.Add($"{path}: the producer may write {unknown?.ToJsonString() ?? "null"}, the consumer does not accept it");
            }
        }
        if (wants["properties"] is JsonObject properties)
        {
            var offered = has["properties"] as JsonObject;
            foreach (var (name, property) in properties)
            {
                if (offered?[name] is not { } counterpart)
                {
                    problems.Add($"{path}.{name}: the consumer reads it, the producer never writes it");
                    continue;
                }
                Compatible(property, counterpart, $"{path}.{name}", problems);
            }
        }
        Compatible(wants["items"], has["items"], $"{path}[]", problems);
        Compatible(wants["additionalProperties"], has["additionalProperties"], $"{path}.*", problems);
    }

    private static HashSet<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray many => [.. many.Select(type => type!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    /// <summary>A message valid per <paramref name="schema"/> with a value in every property (the first non-null choice).</summary>
    public static JsonNode SampleOf(JsonNode schema) => Sample(schema, 0);

    private static JsonNode Sample(JsonNode schema, int depth)
    {
        if (schema is not JsonObject node || depth > 8)
        {
            return JsonValue.Create("sample");
        }
        if (node["const"] is { } constant)
        {
            return constant.DeepClone();
        }
        if (node["enum"] is JsonArray values)
        {
            return values.First(value => value is not null)!.DeepClone();
        }
        var type = Types(node).Where(type => type != "null").Order(StringComparer.Ordinal).FirstOrDefault();
        return type switch
        {
            "object" when node["properties"] is JsonObject properties =>
                new JsonObject(properties.Select(property =>
                    KeyValuePair.Create(property.Key, (JsonNode?)Sample(property.Value!, depth + 1)))),
            "object" when node["additionalProperties"] is JsonObject entries =>
                new JsonObject { ["sample_key"] = Sample(entries, depth + 1) },
            "object" => new JsonObject(),
            "array" => new JsonArray(node["items"] is { } items ? Sample(items, depth + 1) : JsonValue.Create("sample")),
            "integer" => JsonValue.Create(3),
            "number" => JsonValue.Create(2.5m),
            "boolean" => JsonValue.Create(true),
            "string" => JsonValue.Create(SampleString(node)),
            _ => JsonValue.Create("sample"),
        };
    }

    private static string SampleString(JsonObject node) => node["format"]?.GetValue<string>() switch
    {
        "uuid" => "0193a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
        "date-time" => "2026-12-06T10:15:30+00:00",
        "date" => "2026-12-06",
        "time" => "10:15:30",
        "uri" => "https://campus.example.com/sample",
        "email" => "sample@campus.example.com",
        _ when node["pattern"]?.GetValue<string>().Contains(':', StringComparison.Ordinal) == true => "01:02:03",
        _ => "sample",
    };

    private static void AssertValid(JsonNode schema, JsonNode instance, string what)
    {
        var compiled = JsonSchema.FromText(schema.ToJsonString());
        var result = compiled.Evaluate(instance, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        Assert.True(result.IsValid, $"{what} is not valid per its schema: {instance.ToJsonString()}\n  " + string.Join("\n  ",
            (result.Details ?? []).Where(detail => detail.Errors is { Count: > 0 })
                .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Value}"))));
    }

    /// <summary>The path of the first value in <paramref name="read"/> that differs from <paramref name="sent"/>, or null.</summary>
    private static string? Lost(JsonNode? sent, JsonNode? read, string path)
    {
        switch (sent, read)
        {
            case (JsonObject left, JsonObject right):
                foreach (var (name, value) in right)
                {
                    if (!left.ContainsKey(name))
                    {
                        return $"{path}.{name} (not sent)";
                    }
                    if (Lost(left[name], value, $"{path}.{name}") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case (JsonArray left, JsonArray right):
                if (left.Count != right.Count)
                {
                    return $"{path} (length {left.Count} sent, {right.Count} read)";
                }
                for (var i = 0; i < left.Count; i++)
                {
                    if (Lost(left[i], right[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            default:
                return SameValue(sent, read) ? null : $"{path} (sent {sent?.ToJsonString() ?? "null"}, read {read?.ToJsonString() ?? "null"})";
        }
    }

    // Equal JSON, or the same instant written differently (a DateTimeOffset may come back with another spelling).
    private static bool SameValue(JsonNode? sent, JsonNode? read) =>
        JsonNode.DeepEquals(sent, read)
        || (sent?.GetValueKind() == JsonValueKind.String && read?.GetValueKind() == JsonValueKind.String
            && DateTimeOffset.TryParse(sent.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var left)
            && DateTimeOffset.TryParse(read.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var right)
            && left == right)
        || (sent?.GetValueKind() == JsonValueKind.Number && read?.GetValueKind() == JsonValueKind.Number
            && sent.GetValue<decimal>() == read.GetValue<decimal>());

    private static string FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is JsonObject left && actual is JsonObject right)
        {
            foreach (var name in left.Select(member => member.Key).Union(right.Select(member => member.Key)).Order(StringComparer.Ordinal))
            {
                if (!JsonNode.DeepEquals(left[name], right[name]))
                {
                    return left.ContainsKey(name) && right.ContainsKey(name)
                        ? FirstDifference(left[name], right[name], $"{path}.{name}")
                        : $"{path}.{name} (only in {(left.ContainsKey(name) ? "the committed schema" : "the record")})";
                }
            }
        }
        return $"{path} (committed {expected?.ToJsonString() ?? "nothing"}, record {actual?.ToJsonString() ?? "nothing"})";
    }

    // The schema describes what is written: numbers as numbers (the web defaults also read them from strings), and no
    // member without a getter. Such a member is a consumer's tolerant read of a name the producer no longer writes (an
    // old name during a rolling deploy, docs/api-conventions.md): read when present, never written, never required.
    private static JsonSerializerOptions WritingOptions(JsonSerializerOptions options)
    {
        var resolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(typeInfo =>
        {
            if (typeInfo.Kind == JsonTypeInfoKind.Object)
            {
                for (var i = typeInfo.Properties.Count - 1; i >= 0; i--)
                {
                    if (typeInfo.Properties[i].Get is null)
                    {
                        typeInfo.Properties.RemoveAt(i);
                    }
                }
            }
        });
        var writing = new JsonSerializerOptions(options) { NumberHandling = JsonNumberHandling.Strict, TypeInfoResolver = resolver };
        writing.MakeReadOnly(populateMissingResolver: true);
        return writing;
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
