using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Campus.Content.Data;
using Campus.Content.Uploads;
using Campus.Storage;
using Microsoft.Extensions.Options;

namespace Campus.Content.Media;

/// <summary>
/// Makes the worker's HLS output playable by any player without credentials (reads are presigned GETs).
/// A playlist references its segments by relative names, which a presigned playlist URL cannot resolve (the signature
/// covers one key). So the playlist is read from S3, every URI in it is replaced by a presigned GET URL (a variant
/// playlist inside a master is signed the same way, recursively), and the result is stored as a small object under
/// <c>{HlsPrefix}/signed/{window}/</c>, whose presigned URL the stream endpoint redirects to.
/// </summary>
/// <remarks>
/// Signed playlists are reused within a window of half <see cref="ContentOptions.StreamUrlExpiry"/>, so every URL in
/// a returned playlist stays valid for at least half the expiry, and a popular video costs one rewrite per window,
/// not one per viewer. REVIEW: old windows are not deleted yet; an S3 lifecycle rule on <c>*/signed/</c> should expire them.
/// </remarks>
public sealed partial class HlsSigner(IObjectStorage storage, IOptions<ContentOptions> options, TimeProvider time)
{
    public const string PlaylistContentType = "application/vnd.apple.mpegurl";

    /// <summary>
    /// A presigned URL of the signed master playlist (<paramref name="height"/> null) or of one variant playlist, and
    /// until when it and every URL in it work (at least half the expiry: the signed copies are reused within a window).
    /// </summary>
    public async Task<DownloadLink> PlaylistUrlAsync(MediaFile media, int? height, CancellationToken ct)
    {
        var prefix = media.HlsPrefix ?? throw new InvalidOperationException("A ready video has an HLS prefix.");
        var expiry = options.Value.StreamUrlExpiry;
        var now = time.GetUtcNow();
        var window = now.ToUnixTimeSeconds() / (long)(expiry.TotalSeconds / 2);
        var source = height is { } h ? $"{prefix}/{h}p/index.m3u8" : $"{prefix}/master.m3u8";
        var signedKey = await SignAsync(prefix, source, window.ToString(CultureInfo.InvariantCulture), expiry, depth: 0, ct)
            ?? throw new FileNotFoundException("The playlist is missing in the HLS bucket.", source);
        var presigned = await storage.PresignDownloadAsync(StorageBuckets.MediaHls, signedKey, expiresIn: expiry);
        var inner = now + expiry / 2;
        return new DownloadLink(presigned.Url, presigned.ExpiresAt < inner ? presigned.ExpiresAt : inner);
    }

    /// <summary>Stores the signed copy of the playlist at <paramref name="key"/> (once per window) and returns its key; null when there is no such playlist.</summary>
    private async Task<string?> SignAsync(string prefix, string key, string window, TimeSpan expiry, int depth, CancellationToken ct)
    {
        var signedKey = $"{prefix}/signed/{window}/{key[(prefix.Length + 1)..].Replace('/', '_')}";
        if (await storage.HeadAsync(StorageBuckets.MediaHls, signedKey, ct) is not null)
        {
            return signedKey;
        }
        string playlist;
        await using (var stream = await storage.OpenReadAsync(StorageBuckets.MediaHls, key, ct))
        {
            if (stream is null)
            {
                return null;
            }
            using var reader = new StreamReader(stream, Encoding.UTF8);
            playlist = await reader.ReadToEndAsync(ct);
        }

        var directory = key[..(key.LastIndexOf('/') + 1)];
        async Task<string> SignUriAsync(string uri)
        {
            var target = ResolveKey(prefix, directory, uri);
            if (target is null)
            {
                return uri; // absolute URLs and anything outside this video's prefix stay as they are
            }
            if (depth == 0 && target.EndsWith(".m3u8", StringComparison.OrdinalIgnoreCase))
            {
                target = await SignAsync(prefix, target, window, expiry, depth + 1, ct) ?? target;
            }
            return (await storage.PresignDownloadAsync(StorageBuckets.MediaHls, target, expiresIn: expiry)).Url.AbsoluteUri;
        }

        var signed = new StringBuilder(playlist.Length * 4);
        foreach (var rawLine in playlist.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                signed.Append(line);
            }
            else if (trimmed.StartsWith('#'))
            {
                // Tags that carry a URI attribute: EXT-X-MAP (fMP4 init), EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, EXT-X-KEY.
                var match = UriAttribute().Match(line);
                if (match.Success)
                {
                    var uri = match.Groups[1];
                    var replacement = await SignUriAsync(uri.Value);
                    signed.Append(line[..uri.Index]).Append(replacement).Append(line[(uri.Index + uri.Length)..]);
                }
                else
                {
                    signed.Append(line);
                }
            }
            else
            {
                signed.Append(await SignUriAsync(trimmed));
            }
            signed.Append('\n');
        }

        using var content = new MemoryStream(Encoding.UTF8.GetBytes(signed.ToString().TrimEnd('\n') + "\n"));
        await storage.PutAsync(StorageBuckets.MediaHls, signedKey, content, PlaylistContentType, ct);
        return signedKey;
    }

    /// <summary>The key a relative URI in a playlist at <paramref name="directory"/> points to, or null when it leaves <paramref name="prefix"/>.</summary>
    internal static string? ResolveKey(string prefix, string directory, string uri)
    {
        if (uri.Contains("://", StringComparison.Ordinal) || uri.StartsWith('/'))
        {
            return null;
        }
        var resolved = new Uri(new Uri("http://hls/" + directory), uri.Split('?', '#')[0]);
        var key = Uri.UnescapeDataString(resolved.AbsolutePath.TrimStart('/'));
        return key.StartsWith(prefix + "/", StringComparison.Ordinal) && ObjectKeys.IsSafe(key) ? key : null;
    }

    [GeneratedRegex("URI=\"([^\"]*)\"")]
    private static partial Regex UriAttribute();
}
