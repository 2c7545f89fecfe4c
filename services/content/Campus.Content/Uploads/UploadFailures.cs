using Campus.Content.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Uploads;

/// <summary>What videos and documents share: marking an upload failed.</summary>
public static class UploadFailures
{
    /// <summary>Marks a video failed with a readable <paramref name="error"/> unless it has moved on from uploading meanwhile.</summary>
    public static Task<int> FailMediaAsync(ContentDbContext db, Guid id, string error, DateTimeOffset now, CancellationToken ct) =>
        db.MediaFiles.Where(m => m.Id == id && m.Status == MediaStatus.Uploading)
            .ExecuteUpdateAsync(set => set
                .SetProperty(m => m.Status, MediaStatus.Failed)
                .SetProperty(m => m.Error, Truncate(error))
                .SetProperty(m => m.UpdatedAt, now), ct);

    /// <summary>Marks a document failed unless it is no longer uploading.</summary>
    public static Task<int> FailDocumentAsync(ContentDbContext db, Guid id, string error, DateTimeOffset now, CancellationToken ct) =>
        db.Documents.Where(d => d.Id == id && d.Status == DocumentStatus.Uploading)
            .ExecuteUpdateAsync(set => set
                .SetProperty(d => d.Status, DocumentStatus.Failed)
                .SetProperty(d => d.Error, Truncate(error))
                .SetProperty(d => d.UpdatedAt, now), ct);

    private static string Truncate(string error) => error.Length <= MediaFile.ErrorLength ? error : error[..MediaFile.ErrorLength];
}
