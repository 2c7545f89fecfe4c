using Campus.Content.Data;
using Campus.Content.Media;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Uploads;

/// <summary>Why a declared upload is refused before any URL is issued; the API maps it to 400, 415 or 413.</summary>
public abstract record UploadRefusal
{
    /// <summary>The file name or size is missing or wrong (<paramref name="Errors"/> by wire name).</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : UploadRefusal;
    /// <summary>The type is not accepted here (<paramref name="Detail"/> lists the accepted ones).</summary>
    public sealed record UnsupportedType(string Detail) : UploadRefusal;
    public sealed record TooLarge(string Detail) : UploadRefusal;
}

/// <summary>What videos and documents share: the checks before an upload URL is issued, and marking an upload failed.</summary>
public static class UploadChecks
{
    /// <summary>
    /// Refuses a declared upload before any URL is issued: <see cref="UploadRefusal.Invalid"/> for a missing file name or
    /// size, <see cref="UploadRefusal.UnsupportedType"/> for a type not in <paramref name="rules"/>,
    /// <see cref="UploadRefusal.TooLarge"/> above its limit; null when it may go ahead.
    /// The object is checked again on complete: a client can upload anything to the URL.
    /// </summary>
    public static UploadRefusal? Refusal(UploadRequest request, UploadRules rules)
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
            return new UploadRefusal.Invalid(errors);
        }
        if (rules.Find(request.ContentType) is null)
        {
            return new UploadRefusal.UnsupportedType($"Accepted: {string.Join(", ", rules.AllowedTypes.Select(t => t.ContentType))}.");
        }
        return request.SizeBytes > rules.MaxBytes ? new UploadRefusal.TooLarge($"At most {rules.MaxBytes} bytes.") : null;
    }

    /// <summary>
    /// <see cref="Refusal"/> as HTTP: 400 for a missing file name or size, 415 <c>unsupported_media_type</c>, 413
    /// <c>too_large</c>; null when the upload may go ahead.
    /// </summary>
    public static IResult? Check(UploadRequest request, UploadRules rules) => Refusal(request, rules) switch
    {
        null => null,
        UploadRefusal.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
        var refusal => Problem(refusal),
    };

    /// <summary>The 415 or 413 problem of a refusal of the declared type or size.</summary>
    public static ProblemHttpResult Problem(UploadRefusal refusal) => refusal switch
    {
        UploadRefusal.UnsupportedType unsupported => Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
            "This type of file is not accepted here.", unsupported.Detail),
        UploadRefusal.TooLarge tooLarge => Problems.Create(StatusCodes.Status413PayloadTooLarge, "too_large", "The file is too large.", tooLarge.Detail),
        _ => throw new InvalidOperationException($"Unexpected upload refusal {refusal.GetType().Name}."),
    };

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
