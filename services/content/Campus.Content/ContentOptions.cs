using Campus.ServiceDefaults;
using Campus.Storage;
using System.ComponentModel.DataAnnotations;

namespace Campus.Content;

/// <summary>Settings of the content service (configuration section <c>Content</c>).</summary>
public sealed class ContentOptions : IValidatableObject
{
    public const string Section = "Content";

    /// <summary>Largest video a client may upload (default and most 5 GiB: one server-side copy of the checked upload).</summary>
    [Range(1, Campus.Storage.UploadRules.MaxUploadBytes)]
    public long MaxVideoBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>Videos larger than this get a multipart upload with one presigned URL per part (default 100 MiB).</summary>
    [Range(1, long.MaxValue)]
    public long MultipartThreshold { get; set; } = 100L * 1024 * 1024;

    /// <summary>Part size of a multipart upload; S3 wants at least 5 MiB for every part but the last (default 64 MiB).</summary>
    [Range(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024)]
    public long MultipartPartSize { get; set; } = 64L * 1024 * 1024;

    /// <summary>Lifetime of the presigned upload URLs of a video (default 2 h: a large upload takes long).</summary>
    [TimeSpanRange("00:01:00", "7.00:00:00")]
    public TimeSpan VideoUploadUrlExpiry { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Largest document (PDF, Office file, cover image) a client may upload (default 100 MiB, at most 5 GiB).</summary>
    [Range(1, Campus.Storage.UploadRules.MaxUploadBytes)]
    public long MaxDocumentBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Lifetime of the presigned URLs in a stream playlist: long enough to watch the longest video to the end
    /// (default 6 h). A signed playlist is reused for half of it, so every URL in it has at least half left.
    /// </summary>
    [TimeSpanRange("00:02:00", "7.00:00:00")]
    public TimeSpan StreamUrlExpiry { get; set; } = TimeSpan.FromHours(6);

    /// <summary>An upload not completed within this is marked failed by the sweeper (default 24 h).</summary>
    [TimeSpanRange("00:01:00", "30.00:00:00")]
    public TimeSpan UploadCompletionWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the sweeper looks for expired uploads (default 5 min).</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxVideoBytes > MultipartThreshold && (MaxVideoBytes + MultipartPartSize - 1) / MultipartPartSize > UploadedPart.MaxParts)
        {
            yield return new ValidationResult("MaxVideoBytes / MultipartPartSize must not exceed 10,000 parts (an S3 limit).",
                [nameof(MaxVideoBytes), nameof(MultipartPartSize)]);
        }
    }
}
