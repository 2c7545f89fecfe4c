using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Campus.ServiceDefaults;

/// <summary>
/// Turns a query (or header, route) parameter that does not parse (<c>?limit=abc</c>) or a required one that is missing
/// into a field error of the one validation problem, like a body member of the wrong type (<see cref="JsonBodyErrors"/>).
/// Minimal APIs throw <see cref="BadHttpRequestException"/> for both (<c>ThrowOnBadRequest</c>, set in every environment);
/// its message names the parameter and the value.
/// </summary>
internal static partial class ParameterBindingErrors
{
    /// <summary>The field errors of <paramref name="exception"/>, or null when it is not about one parameter.</summary>
    public static Dictionary<string, string[]>? From(BadHttpRequestException exception, HttpRequest request)
    {
        if (exception.StatusCode != StatusCodes.Status400BadRequest || exception.InnerException is not null)
        {
            return null;
        }
        if (FailedToBind().Match(exception.Message) is { Success: true } failed)
        {
            var type = failed.Groups["type"].Value;
            return new Dictionary<string, string[]>
            {
                [WireName(failed.Groups["name"].Value, failed.Groups["value"].Value, request)] = [$"Not a valid {Describe(type)}."],
            };
        }
        if (RequiredMissing().Match(exception.Message) is { Success: true } missing
            && !exception.Message.EndsWith("from body.", StringComparison.Ordinal))
        {
            return new Dictionary<string, string[]> { [WireName(missing.Groups["name"].Value, null, request)] = ["Required."] };
        }
        return null;
    }

    /// <summary>
    /// The name the client sent: the query key holding the refused value when there is one, else the parameter's name in
    /// snake_case (query names are snake_case: <c>userId</c> binds <c>user_id</c>).
    /// </summary>
    private static string WireName(string parameter, string? value, HttpRequest request)
    {
        var snake = JsonNamingPolicy.SnakeCaseLower.ConvertName(parameter);
        if (value is not null)
        {
            var holders = request.Query.Where(q => q.Value.Contains(value)).Select(q => q.Key).ToList();
            if (holders.Count == 1 || (holders.Count > 1 && !holders.Contains(snake, StringComparer.OrdinalIgnoreCase)))
            {
                return holders[0];
            }
        }
        return snake;
    }

    /// <summary>What the value should have been, from the parameter's type as the message writes it (<c>int?</c>, <c>Nullable&lt;Guid&gt;</c>, …).</summary>
    private static string Describe(string type)
    {
        var name = type.ToLowerInvariant();
        return name.Contains("guid", StringComparison.Ordinal) ? "UUID"
            : name.Contains("dateonly", StringComparison.Ordinal) ? "date (yyyy-mm-dd)"
            : name.Contains("datetime", StringComparison.Ordinal) ? "date and time (RFC 3339)"
            : name.Contains("bool", StringComparison.Ordinal) ? "boolean (true or false)"
            : name.Contains("double", StringComparison.Ordinal) || name.Contains("decimal", StringComparison.Ordinal)
                || name.Contains("single", StringComparison.Ordinal) || name.Contains("float", StringComparison.Ordinal) ? "number"
            : name.Contains("int", StringComparison.Ordinal) || name.Contains("long", StringComparison.Ordinal)
                || name.Contains("short", StringComparison.Ordinal) ? "whole number"
            : "value";
    }

    // ASP.NET Core's wording: Failed to bind parameter "int? limit" from "abc".
    [GeneratedRegex("^Failed to bind parameter \"(?<type>\\S+) (?<name>[^\"\\s]+)\" from \"(?<value>.*)\"\\.$", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    // Required parameter "int limit" was not provided from query string.
    [GeneratedRegex("^Required parameter \"(?<type>\\S+) (?<name>[^\"\\s]+)\" was not provided", RegexOptions.Singleline)]
    private static partial Regex RequiredMissing();
}
