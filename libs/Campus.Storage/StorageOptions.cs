using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Storage;

/// <summary>Settings of the S3 API Campus stores files in (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

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

    /// <summary>
    /// The web origins (<c>https://campus.example.com</c>; S3 allows one <c>*</c> per origin, e.g. <c>http://127.0.0.1:*</c>)
    /// whose pages may fetch from and upload to the buckets: a browser's HLS player, avatar and document GETs, presigned
    /// PUTs. When set, every registered bucket gets this CORS rule at start (<c>PutBucketCors</c>, see README.md); empty
    /// (the default) leaves the buckets' CORS to whoever manages the storage.
    /// </summary>
    public string[] CorsOrigins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in CorsOrigins)
        {
            // An origin is scheme://host[:port], no path; "*" alone would let any site read presigned URLs' objects.
            if (origin == "*" || origin.Count(c => c == '*') > 1
                || !Uri.TryCreate(origin.Replace("*", "0", StringComparison.Ordinal), UriKind.Absolute, out var parsed)
                || parsed.Scheme is not ("http" or "https") || origin.TrimEnd('/').Length != origin.Length
                || parsed.AbsolutePath != "/" || parsed.Query.Length != 0)
            {
                yield return new ValidationResult(
                    $"Storage:CorsOrigins: '{origin}' must be an origin (http(s)://host[:port], at most one '*', not '*' alone).",
                    [nameof(CorsOrigins)]);
            }
        }
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
