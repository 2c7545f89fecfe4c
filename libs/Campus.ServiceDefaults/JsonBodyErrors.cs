using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Campus.ServiceDefaults;

/// <summary>
/// Turns a JSON body that parses but does not fit the request type (a required member missing, a value of the wrong
/// type) into field errors, the same shape as every other validation problem:
/// <c>{"code": "validation_failed", "errors": {"items[0].enabled": ["Required."]}}</c>. Text that is not JSON at all
/// stays a plain 400 <c>bad_request</c>.
/// </summary>
internal static partial class JsonBodyErrors
{
    /// <summary>The field errors of <paramref name="exception"/>, or null when it is not about a member of the body.</summary>
    public static Dictionary<string, string[]>? From(BadHttpRequestException exception)
    {
        if (exception.StatusCode != StatusCodes.Status400BadRequest || exception.InnerException is not JsonException json
            || json.InnerException?.GetType().Name == "JsonReaderException")
        {
            return null;
        }
        var at = FieldName(json.Path);
        var missing = MissingMembers().Match(json.Message);
        if (missing.Success)
        {
            var names = missing.Groups["names"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(name => name.Trim('\'', '.'))
                .Where(name => name.Length > 0);
            return names.ToDictionary(name => Join(at, name), _ => new[] { "Required." });
        }
        if (json.Path is null)
        {
            return null;
        }
        return new Dictionary<string, string[]> { [at.Length == 0 ? "body" : at] = ["The value has the wrong type."] };
    }

    /// <summary><c>$.items[0].enabled</c> → <c>items[0].enabled</c>; <c>$</c> → empty.</summary>
    private static string FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "";
        }
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static string Join(string at, string name) => at.Length == 0 ? name : $"{at}.{name}";

    // "… was missing required properties including: 'enabled', 'seq'." (System.Text.Json's wording since .NET 8).
    [GeneratedRegex("missing required properties,? including(?: the following)?: (?<names>.+?)\\.?$", RegexOptions.Singleline)]
    private static partial Regex MissingMembers();
}
