using System.Globalization;
using Campus.Notifications.Data;
using Stubble.Core;
using Stubble.Core.Builders;
using Stubble.Core.Exceptions;
using Stubble.Core.Settings;

namespace Campus.Notifications.Templates;

/// <summary>
/// Renders Mustache templates with Stubble. E-mail bodies are HTML, so values are HTML-escaped there; subjects and
/// Telegram bodies are plain text (sent without a parse mode), so values go in as they are.
/// </summary>
/// <remarks>
/// Templates are written by admins, so a template may reach the documented values and nothing else. Stubble's default
/// getter for any other object reflects over its properties, fields and parameterless methods
/// (<c>{{#title}}{{GetType}}{{/title}}</c> calls <c>string.GetType()</c>); that getter is replaced by one that finds
/// nothing, and values are copied to plain data first (strings, numbers, booleans, dictionaries, lists), so no CLR object
/// reaches the renderer at all.
/// </remarks>
public sealed class TemplateRenderer
{
    private static readonly RenderSettings Html = new() { SkipHtmlEncoding = false, CultureInfo = CultureInfo.InvariantCulture };
    private static readonly RenderSettings Text = new() { SkipHtmlEncoding = true, CultureInfo = CultureInfo.InvariantCulture };

    private readonly StubbleVisitorRenderer _stubble = new StubbleBuilder()
        .Configure(settings => settings.AddValueGetter(typeof(object), static (_, _, _) => null))
        .Build();

    /// <summary>The rendered subject (null when the template has none) and body.</summary>
    public (string? Subject, string Body) Render(Template template, IDictionary<string, object?> values) => Render(
        template.Channel, template.Subject, template.Body, values);

    public (string? Subject, string Body) Render(string channel, string? subject, string body, IDictionary<string, object?> values)
    {
        var data = DataOnly(values);
        return (
            subject is null ? null : _stubble.Render(subject, data, Text).ReplaceLineEndings(" ").Trim(),
            _stubble.Render(body, data, channel == Channels.Email ? Html : Text));
    }

    /// <summary>A copy of <paramref name="values"/> made only of strings, numbers, booleans, dictionaries and lists.</summary>
    public static Dictionary<string, object?> DataOnly(IDictionary<string, object?> values) =>
        values.ToDictionary(v => v.Key, v => DataValue(v.Value), StringComparer.Ordinal);

    private static object? DataValue(object? value) => value switch
    {
        null or string or bool => value,
        byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal => value,
        IDictionary<string, object?> map => DataOnly(map),
        System.Collections.IEnumerable items => items.Cast<object?>().Select(DataValue).ToList(),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Null when <paramref name="template"/> parses, else the parser's complaint.</summary>
    public string? Validate(string template)
    {
        try
        {
            _stubble.Render(template, new Dictionary<string, object?>(), Text);
            return null;
        }
        catch (StubbleException ex)
        {
            return ex.Message;
        }
    }
}
