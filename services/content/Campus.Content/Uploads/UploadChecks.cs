using Campus.Content.Data;
using Campus.Content.Media;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Uploads;

/// <summary>What videos and documents share: the checks before an upload URL is issued, and marking an upload failed.</summary>
public static class UploadChecks
{
    /// <summary>
    /// Refuses a declared upload before any URL is issued: 400 for a missing file name or size, 415
    /// <c>unsupported_media_type</c> for a type not in <paramref name="rules"/>, 413 <c>too_large</c> above its limit.
    /// The object is checked again on complete: a client can upload anything to the URL.
    /// </summary>
    public static IResult? Check(UploadRequest request, UploadRules rules)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.FileName) || request.FileName.Trim().Length > MediaFile.FilenameLength
            || request.FileName.Any(char.IsControl))
        {
            errors["file_name"] = [$"The file's name, at most {MediaFile.FilenameLength} characters without control characters."];
        }
        if (request.SizeBytes <= 0)
        {
            errors["size_bytes"] = ["The file size in bytes, above 0."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (rules.Find(request.ContentType) is null)
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "This type of file is not accepted here.",
                $"Accepted: {string.Join(", ", rules.AllowedTypes.Select(t => t.ContentType))}.");
        }
        return request.SizeBytes > rules.MaxBytes
            ? Problems.Create(StatusCodes.Status413PayloadTooLarge, "too_large", "The file is too large.", $"At most {rules.MaxBytes} bytes.")
            : null;
    }

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
