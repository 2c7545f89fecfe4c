using System.ComponentModel.DataAnnotations;

namespace Campus.Notifications;

/// <summary>Options of the notifications service (section <c>Notifications</c>).</summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>
    /// The web app's address links in messages start with: <c>{LinkBaseUrl}/confirm-email?token=…</c>,
    /// <c>{LinkBaseUrl}/reset-password?token=…</c>, <c>{LinkBaseUrl}/courses/{id}</c>.
    /// </summary>
    [Required, Url]
    public string LinkBaseUrl { get; set; } = "";

    /// <summary>Users notified per transaction when an event reaches many (a published course).</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>The link of <paramref name="path"/> (starting with '/') under <see cref="LinkBaseUrl"/>.</summary>
    public string Link(string path) => LinkBaseUrl.TrimEnd('/') + path;
}
