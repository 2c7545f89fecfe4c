using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Storage;

/// <summary>Settings of the S3 API Campus stores files in (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string SectionName = "Storage";

    /// <summary>Endpoint this process talks to, e.g. <c>http://127.0.0.1:4569</c> or an in-cluster MinIO address.</summary>
    [Required, Url]
    public string ServiceUrl { get; set; } = "";

    /// <summary>
    /// Endpoint clients use (scheme, host and port only). Presigned URLs are signed for it, because the
    /// host is part of the SigV4 signature. Defaults to <see cref="ServiceUrl"/>.
    /// </summary>
    [Url]
    public string? PublicUrl { get; set; }

    [Required]
    public string AccessKey { get; set; } = "";

    [Required]
    public string SecretKey { get; set; } = "";

    [Required]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Prepended to every logical bucket name (<c>avatars</c> → <c>campus-avatars</c>); tests set a unique one.</summary>
    [RegularExpression("^([a-z0-9][a-z0-9-]{0,29})?$", ErrorMessage = "The BucketPrefix field must be up to 30 characters: lowercase letters, digits and hyphens.")]
    public string BucketPrefix { get; set; } = "campus-";

    /// <summary>Default lifetime of a presigned upload (PUT) URL.</summary>
    [TimeSpanRange("00:00:01", "7.00:00:00")]
    public TimeSpan UploadUrlExpiry { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Default lifetime of a presigned download (GET) URL.</summary>
    [TimeSpanRange("00:00:01", "7.00:00:00")]
    public TimeSpan DownloadUrlExpiry { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// When true, <c>check-dependencies</c> also proves the buckets are private: an unsigned GET and a GET whose signature
    /// was altered must both be refused (401/403). The Helm charts set it; the local s3rver checks no signature and
    /// allows anonymous access, so it is off by default.
    /// </summary>
    public bool RequirePrivateBuckets { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(ServiceUrl), ServiceUrl), (nameof(PublicUrl), PublicUrl) })
        {
            // The path is part of the SigV4 signature, and the SDK keeps only scheme, host and port of an endpoint.
            if (!string.IsNullOrEmpty(value)
                && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is ("http" or "https") && uri.AbsolutePath == "/" && uri.Query.Length == 0))
            {
                yield return new ValidationResult($"The {name} field must be an http(s) URL without a path, e.g. https://files.example.com.", [name]);
            }
        }
    }

    internal string EffectivePublicUrl => string.IsNullOrWhiteSpace(PublicUrl) ? ServiceUrl : PublicUrl;
}
