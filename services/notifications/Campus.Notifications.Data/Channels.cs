namespace Campus.Notifications.Data;

/// <summary>The delivery channels, as stored in <c>channel</c> columns and sent on the wire.</summary>
public static class Channels
{
    public const string Email = "email";
    public const string Telegram = "telegram";

    public static readonly IReadOnlyList<string> All = [Email, Telegram];

    public static bool IsKnown(string channel) => channel is Email or Telegram;
}

/// <summary>The template locales; a contact without a known one gets <see cref="Default"/>.</summary>
public static class Locales
{
    public const string Russian = "ru";
    public const string English = "en";
    public const string Default = Russian;

    public static readonly IReadOnlyList<string> All = [Russian, English];

    public static bool IsKnown(string locale) => locale is Russian or English;
}
