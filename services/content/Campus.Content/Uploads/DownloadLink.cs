namespace Campus.Content.Uploads;

/// <summary>
/// What a redirecting GET answers with <c>?redirect=false</c>: the URL it would redirect to and until when it works,
/// for clients that cannot follow a 302 to another host (generated clients, a player that needs the URL).
/// </summary>
public sealed record DownloadLink(Uri Url, DateTimeOffset ExpiresAt);
