using System.Text.RegularExpressions;

namespace Campus.Profile.Profiles;

/// <summary>Limits and the known values of profile fields.</summary>
public static partial class ProfileRules
{
    public const int NameLength = 100;
    public const int TitleLength = 200;
    public const int AboutLength = 2000;
    public const int TimeZoneLength = 64;
    public const int LocaleLength = 16;

    /// <summary>The locales the UI is translated to, in their canonical spelling.</summary>
    public static readonly IReadOnlyList<string> Locales = ["ru-RU", "en-US", "en-GB", "kk-KZ", "uz-UZ", "be-BY", "uk-UA", "de-DE"];

    /// <summary>The canonical spelling of a known locale (case-insensitive), or null.</summary>
    public static string? FindLocale(string locale) =>
        Locales.FirstOrDefault(known => string.Equals(known, locale, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True for an IANA zone id the system knows (e.g. <c>Europe/Moscow</c>). The zone files are read from tzdata, which
    /// works with InvariantGlobalization; Windows ids are not accepted because they need ICU to convert.
    /// </summary>
    public static bool IsKnownTimeZone(string id) =>
        IanaId().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal)
        && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId
        && string.Equals(zone.Id, id, StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$")]
    private static partial Regex IanaId();
}
