using System.Diagnostics.CodeAnalysis;
using Campus.ServiceDefaults;

namespace Campus.Storage;

/// <summary>
/// Stable problem codes of upload checks, for the <c>code</c> member of problem details: the same in every service
/// (<see cref="UploadAnswers"/> gives each its status).
/// </summary>
public static class UploadProblems
{
    public const string Missing = "upload_missing";
    public const string TooLarge = "too_large";
    public const string TypeNotAllowed = "unsupported_media_type";
    public const string ContentMismatch = "upload_content_mismatch";
    public const string SizeMismatch = "upload_size_mismatch";
}

/// <summary>
/// Why an upload was refused: a code from <see cref="UploadProblems"/> (or <see cref="Problems.ValidationFailed"/> for
/// a declared <paramref name="Field"/> that is missing or unusable) and a sentence for people.
/// </summary>
public sealed record UploadProblem(string Code, string Detail, string? Field = null);

/// <summary>What an upload of one purpose (avatar, course video, chat attachment, ...) may be.</summary>
public sealed class UploadRules
{
    /// <summary>
    /// The largest upload Campus accepts: 5 GiB, what one server-side copy (<see cref="IObjectStorage.PromoteUploadAsync"/>)
    /// can take in S3.
    /// </summary>
    public const long MaxUploadBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>The longest content type a client may declare (RFC 6838: type and subtype of up to 127 characters each).</summary>
    public const int ContentTypeLength = 255;

    /// <param name="maxBytes">The largest file accepted.</param>
    /// <param name="allowedTypes">The types accepted, checked by content type and magic number.</param>
    /// <param name="fileNameLength">
    /// The longest file name a client declares; 0 when the purpose keeps no file name (an avatar has none).
    /// </param>
    public UploadRules(long maxBytes, IReadOnlyList<FileType> allowedTypes, int fileNameLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, MaxUploadBytes);
        ArgumentOutOfRangeException.ThrowIfZero(allowedTypes.Count, nameof(allowedTypes));
        ArgumentOutOfRangeException.ThrowIfNegative(fileNameLength);
        MaxBytes = maxBytes;
        AllowedTypes = allowedTypes;
        FileNameLength = fileNameLength;
    }

    public long MaxBytes { get; }

    /// <summary>The longest declared file name; 0 when the purpose keeps none.</summary>
    public int FileNameLength { get; }

    public IReadOnlyList<FileType> AllowedTypes { get; }

    /// <summary>The allowed type named by <paramref name="contentType"/>, or null.</summary>
    public FileType? Find(string? contentType) => AllowedTypes.FirstOrDefault(type => type.Accepts(contentType));

    /// <summary>
    /// Checks what a client declares before it gets an upload URL, in this order: the file name (where the purpose keeps
    /// one: at most <see cref="FileNameLength"/> characters as sent, not blank, no control characters or path separators)
    /// and the size (above 0), then the type (one of <see cref="AllowedTypes"/>, at most <see cref="ContentTypeLength"/>
    /// characters), then the size limit. Null when the upload may go ahead. A request record states the same bounds in
    /// the contract (<c>[Bounds]</c> with these constants).
    /// This is no substitute for <see cref="IObjectStorage.PromoteUploadAsync"/>: a client can upload anything to the URL.
    /// </summary>
    public UploadProblem? Precheck(string? fileName, string? contentType, long declaredBytes)
    {
        if (FileNameLength > 0 && !IsFileName(fileName))
        {
            return new(Problems.ValidationFailed,
                $"The file's name: at most {FileNameLength} characters, not blank, without control characters or path separators.", "file_name");
        }
        if (declaredBytes <= 0)
        {
            return new(Problems.ValidationFailed, "The file's size in bytes, above 0.", "size_bytes");
        }
        if (contentType is not { Length: <= ContentTypeLength } || Find(contentType) is null)
        {
            return TypeNotAllowed(contentType);
        }
        return declaredBytes > MaxBytes ? TooLarge(declaredBytes) : null;
    }

    private bool IsFileName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= FileNameLength && !name.Any(c => char.IsControl(c) || c is '/' or '\\');

    internal UploadProblem TooLarge(long bytes) =>
        new(UploadProblems.TooLarge, $"The file has {bytes} bytes; at most {MaxBytes} are allowed.");

    // The type is named back only when it is of a length a client may declare.
    internal UploadProblem TypeNotAllowed(string? contentType) =>
        new(UploadProblems.TypeNotAllowed,
            $"Files of type '{(contentType is { Length: > ContentTypeLength } ? "(too long)" : contentType)}' are not allowed here; " +
            $"allowed: {string.Join(", ", AllowedTypes.Select(t => t.ContentType))}.");
}

/// <summary>
/// The outcome of <see cref="IObjectStorage.PromoteUploadAsync"/>. A refused upload has already been deleted; an accepted one
/// is <see cref="Object"/>, under its checked key.
/// </summary>
public sealed record UploadVerification(StoredObject? Object, FileType? Type, UploadProblem? Problem)
{
    [MemberNotNullWhen(true, nameof(Object), nameof(Type))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsAccepted => Problem is null;

    internal static UploadVerification Accepted(StoredObject stored, FileType type) => new(stored, type, null);

    internal static UploadVerification Refused(UploadProblem problem) => new(null, null, problem);
}

/// <summary>What HEAD tells about a stored object. <see cref="ETag"/> is without the surrounding quotes.</summary>
public sealed record StoredObject(string Key, long Size, string? ContentType, string? ETag, DateTimeOffset? LastModified);

/// <summary>
/// A request the client makes directly to object storage: <see cref="Method"/> <see cref="Url"/> with exactly the
/// <see cref="Headers"/> given (they are part of the signature), before <see cref="ExpiresAt"/>.
/// The URL is a bearer credential: return it to its client, never log it.
/// </summary>
public sealed record PresignedRequest(Uri Url, string Method, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ExpiresAt);
