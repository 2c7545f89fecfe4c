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
public sealed class TemplateRenderer
{
    private static readonly RenderSettings Html = new() { SkipHtmlEncoding = false, CultureInfo = CultureInfo.InvariantCulture };
    private static readonly RenderSettings Text = new() { SkipHtmlEncoding = true, CultureInfo = CultureInfo.InvariantCulture };

    private readonly StubbleVisitorRenderer _stubble = new StubbleBuilder().Build();

    /// <summary>The rendered subject (null when the template has none) and body.</summary>
    public (string? Subject, string Body) Render(Template template, IDictionary<string, object?> values) => Render(
        template.Channel, template.Subject, template.Body, values);

    public (string? Subject, string Body) Render(string channel, string? subject, string body, IDictionary<string, object?> values) => (
        subject is null ? null : _stubble.Render(subject, values, Text).ReplaceLineEndings(" ").Trim(),
        _stubble.Render(body, values, channel == Channels.Email ? Html : Text));

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
