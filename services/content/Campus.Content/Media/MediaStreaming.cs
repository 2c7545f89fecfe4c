using System.Security.Claims;
using Campus.Content.Data;
using Campus.Content.Uploads;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Media;

/// <summary>What asking for a video's playlist came to; the API maps it to a status and a problem code.</summary>
public abstract record MediaStreamResult
{
    /// <summary>The signed playlist URL.</summary>
    public sealed record Ready(DownloadLink Link) : MediaStreamResult;
    /// <summary>No such video the caller may watch.</summary>
    public sealed record NotFound : MediaStreamResult;
    /// <summary>The video is in <paramref name="Status"/>, not ready.</summary>
    public sealed record NotReady(MediaStatus Status) : MediaStreamResult;
    /// <summary>The video has no rendition of the height asked for; it has <paramref name="Renditions"/>.</summary>
    public sealed record RenditionNotFound(IReadOnlyList<int> Renditions) : MediaStreamResult;
    /// <summary>The video is ready but its playlists are missing from storage.</summary>
    public sealed record PlaylistsMissing : MediaStreamResult;
}

/// <summary>
/// Streaming a video the caller may watch (its owner, admins, and anyone who sees a published material of a published
/// course holding it): the master playlist or one rendition's, signed by <see cref="HlsSigner"/>.
/// </summary>
public sealed class MediaStreaming(ContentDbContext db, HlsSigner signer)
{
    /// <summary>The signed playlist of video <paramref name="id"/>.</summary>
    /// <param name="id">The video.</param>
    /// <param name="principal">The caller.</param>
    /// <param name="height">One rendition's height; null for the master playlist.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<MediaStreamResult> PlaylistAsync(Guid id, ClaimsPrincipal principal, int? height, CancellationToken ct)
    {
        var media = await MediaApi.Readable(db, principal).AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (media is null)
        {
            return new MediaStreamResult.NotFound();
        }
        if (media.Status != MediaStatus.Ready)
        {
            return new MediaStreamResult.NotReady(media.Status);
        }
        if (height is { } h && !media.Renditions.Contains(h))
        {
            return new MediaStreamResult.RenditionNotFound(media.Renditions);
        }
        try
        {
            return new MediaStreamResult.Ready(await signer.PlaylistUrlAsync(media, height, ct));
        }
        catch (FileNotFoundException)
        {
            return new MediaStreamResult.PlaylistsMissing();
        }
    }
}
