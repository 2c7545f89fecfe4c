using System.Net;
using System.Text.RegularExpressions;

namespace Campus.Notifications.Worker.Email;

/// <summary>
/// The plain-text alternative of a rendered HTML mail, so text-only clients (and spam filters, which distrust
/// HTML-only mail) get a readable body with the links spelled out.
/// </summary>
internal static partial class HtmlText
{
    public static string ToPlainText(string html)
    {
        var text = Link().Replace(html, m =>
        {
            var href = WebUtility.HtmlDecode(m.Groups["href"].Value);
            var label = WebUtility.HtmlDecode(Tag().Replace(m.Groups["label"].Value, ""));
            return label.Trim() == href ? href : $"{label} ({href})";
        });
        text = Break().Replace(text, "\n");
        text = BlockEnd().Replace(text, "\n\n");
        text = WebUtility.HtmlDecode(Tag().Replace(text, ""));
        return BlankLines().Replace(text, "\n\n").Trim();
    }

    [GeneratedRegex("""<a\b[^>]*\bhref\s*=\s*["'](?<href>[^"']*)["'][^>]*>(?<label>.*?)</a>""", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Link();

    [GeneratedRegex(@"<br\s*/?>", RegexOptions.IgnoreCase)]
    private static partial Regex Break();

    [GeneratedRegex(@"</(p|div|h[1-6]|li|tr|table|ul|ol)\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockEnd();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\n\s*\n(\s*\n)+")]
    private static partial Regex BlankLines();
}
