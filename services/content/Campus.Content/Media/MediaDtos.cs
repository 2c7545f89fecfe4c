using Campus.Content.Data;
using Campus.Storage;

namespace Campus.Content.Media;

/// <summary>What the client is about to upload: its file name (for display only), media type and exact size in bytes.</summary>
public sealed record UploadRequest(
    [property: Bounds(MaxLength = MediaFile.FilenameLength)] string? FileName,
    [property: Bounds(MaxLength = UploadRules.ContentTypeLength)] string? ContentType,
    [property: Bounds(1, UploadRules.MaxUploadBytes)] long SizeBytes);

/// <summary>
/// Where to upload: either one PUT to <see cref="UploadUrl"/> with exactly <see cref="Headers"/>, or (large files)
/// <see cref="Multipart"/>: one PUT per part, then complete with every part's ETag. Both expire at <see cref="ExpiresAt"/>.
/// </summary>
public sealed record MediaUploadResponse(
    Guid Id, Uri? UploadUrl, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Headers, MultipartUploadResponse? Multipart)
{
    /// <summary>The name of <see cref="Id"/> before every upload answered <c>id</c>; written for one more release.</summary>
    [Obsolete("Read id.")]
    public Guid MediaId => Id;
}

/// <summary>Parts of <see cref="PartSize"/> bytes (the last one shorter), each PUT to its own URL without extra headers.</summary>
public sealed record MultipartUploadResponse(long PartSize, IReadOnlyList<UploadPartUrl> Parts);

public sealed record UploadPartUrl(int PartNumber, Uri Url);

/// <summary>The body of complete: for a multipart upload, the ETag S3 answered each part's PUT with.</summary>
public sealed record CompleteUploadRequest([property: Bounds(MaxItems = UploadedPart.MaxParts)] CompletedPart[]? Parts = null);

public sealed record CompletedPart(
    [property: Bounds(1, UploadedPart.MaxParts)] int PartNumber,
    [property: Bounds(MaxLength = UploadedPart.MaxETagLength)] string? Etag);

/// <summary>A video's state; <see cref="Progress"/> is the transcode's percent, <see cref="Error"/> the reason it failed.</summary>
public sealed record MediaStatusResponse(
    Guid Id, string FileName, MediaStatus Status, int Progress, string? Error, int[] Renditions, double? DurationSeconds)
{
    /// <summary>The name of <see cref="Id"/> before a video answered <c>id</c> like every resource; written for one more release.</summary>
    [Obsolete("Read id.")]
    public Guid MediaId => Id;

    public static MediaStatusResponse From(MediaFile m) =>
        new(m.Id, m.Filename, m.Status, m.Progress, m.Error, m.Renditions, m.DurationSeconds);
}

public sealed record MediaPage(IReadOnlyList<MediaStatusResponse> Items, int Total, int Limit, int Offset);
