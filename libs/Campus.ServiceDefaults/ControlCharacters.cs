using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Campus.ServiceDefaults;

/// <summary>
/// Refuses control characters in what a client sends, before any endpoint sees it: PostgreSQL cannot store U+0000 in
/// text (a 500 before this), and no Campus field means a control character. The rule:
/// <list type="bullet">
/// <item>the path and every query name and value (single-line: ids, filters, search terms): no C0 control (U+0000–U+001F,
/// tab and line breaks included), no DEL (U+007F), no C1 control (U+0080–U+009F);</item>
/// <item>every string and property name in a JSON body: the same, except tab, line feed and carriage return, which
/// multi-line text (bodies, descriptions, messages) needs; a lone UTF-16 surrogate escape is refused too.</item>
/// </list>
/// The answer is 400 with the problem code <see cref="Code"/> naming where the character was. Chat socket frames apply
/// <see cref="IsAllowedInText"/> to the text they carry.
/// </summary>
public static class ControlCharacters
{
    /// <summary>The problem code of a refused request.</summary>
    public const string Code = "invalid_characters";

    /// <summary>True for a character allowed in single-line input (path, query, ids): no C0, DEL or C1 control.</summary>
    public static bool IsAllowedInLine(char c) => c >= '\u0020' && !(c >= '\u007F' && c <= '\u009F');

    /// <summary>True for a character allowed in text: single-line rules, plus tab, line feed and carriage return.</summary>
    public static bool IsAllowedInText(char c) => IsAllowedInLine(c) || c is '\t' or '\n' or '\r';

    /// <summary>The first character of <paramref name="text"/> refused by <paramref name="allowed"/>, if any.</summary>
    public static char? FirstRefused(ReadOnlySpan<char> text, Func<char, bool> allowed)
    {
        foreach (var c in text)
        {
            if (!allowed(c))
            {
                return c;
            }
        }
        return null;
    }

    /// <summary>The 400 problem for a refused character, e.g. "query parameter 'q' contains U+0000".</summary>
    public static IResult Problem(string where, char? character) => Problems.Create(StatusCodes.Status400BadRequest, Code,
        "The request contains a character that is not allowed.", Describe(where, character));

    /// <summary>What was refused and where, e.g. "The field 'title' contains the control character U+0000."</summary>
    public static string Describe(string where, char? character) =>
        character is { } c ? $"{where} contains the control character U+{(int)c:X4}." : $"{where} contains an invalid UTF-16 escape.";

    internal static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        if (FirstRefused(request.Path.Value, IsAllowedInLine) is { } inPath)
        {
            await Problem("The path", inPath).ExecuteAsync(context);
            return;
        }

        foreach (var (name, values) in request.Query)
        {
            var refused = FirstRefused(name, IsAllowedInLine);
            foreach (var value in values)
            {
                refused ??= FirstRefused(value, IsAllowedInLine);
            }
            if (refused is not null)
            {
                await Problem($"The query parameter '{Printable(name)}'", refused).ExecuteAsync(context);
                return;
            }
        }

        if (request.HasJsonContentType() && request.ContentLength != 0 && !context.WebSockets.IsWebSocketRequest
            && context.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value.CheckJsonBodies)
        {
            request.EnableBuffering();
            var body = await ReadAsync(request.Body, context.RequestAborted);
            request.Body.Position = 0;
            try
            {
                if (FindInJson(body.WrittenSpan) is { } found)
                {
                    await Problem(found.Where, found.Character).ExecuteAsync(context);
                    return;
                }
            }
            finally
            {
                body.Clear();
            }
        }

        await next();
    }

    /// <summary>
    /// The first JSON string or property name with a refused character. Malformed JSON is left to the endpoint's
    /// binding, which answers it with its own 400.
    /// </summary>
    public static (string Where, char? Character)? FindInJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        var property = "";
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
                {
                    continue;
                }
                // The reader refuses a raw character below U+0020, so those arrive only as escapes. DEL and C1
                // (U+007F–U+009F) are valid raw UTF-8: a value holding 0x7F or 0xC2 (the lead byte of U+0080–U+00BF)
                // is decoded and checked as well.
                string? text = null;
                if (reader.ValueIsEscaped || reader.ValueSpan.IndexOfAny((byte)0x7F, (byte)0xC2) >= 0)
                {
                    try
                    {
                        text = reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        return (Field(reader.TokenType, property), null);
                    }
                }
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    property = text ?? reader.GetString() ?? "";
                    if (text is not null && FirstRefused(text, IsAllowedInLine) is { } inName)
                    {
                        return ("A JSON property name", inName);
                    }
                }
                else if (text is not null && FirstRefused(text, IsAllowedInText) is { } inValue)
                {
                    return (Field(reader.TokenType, property), inValue);
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private static string Field(JsonTokenType token, string property) =>
        token == JsonTokenType.PropertyName || property.Length == 0 ? "A JSON string" : $"The field '{Printable(property)}'";

    private static string Printable(string text) =>
        string.Concat(text.Take(64).Select(c => IsAllowedInLine(c) ? c : '?'));

    private static async Task<ArrayBufferWriter<byte>> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        // Bounded by Kestrel's MaxRequestBodySize: a larger body throws 413 here, as it would in the endpoint.
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var read = await body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                return buffer;
            }
            buffer.Advance(read);
        }
    }
}
