using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace Campus.Storage;

/// <summary>
/// Presigned S3 multipart uploads, for files too large for one PUT (S3 caps a PUT at 5 GB, and one failed request
/// should not restart a long upload). The service starts the upload, hands the client one presigned PUT per part,
/// the client sends each part's ETag back, and the service completes the upload; then check it with
/// <see cref="IObjectStorage.PromoteUploadAsync"/> like any other upload. Keys are upload keys (<see cref="ObjectKeys.NewUpload"/>):
/// a part URL stays valid after the upload is completed, and a part can only ever become an object at its upload key.
/// </summary>
public interface IMultipartUploads
{
    /// <summary>Starts a multipart upload of <paramref name="key"/> whose object will have <paramref name="contentType"/>; returns the upload id.</summary>
    Task<string> StartAsync(string bucket, string key, string contentType, CancellationToken cancellationToken = default);

    /// <summary>A presigned PUT for part <paramref name="partNumber"/> (1..10,000); the client sends no extra headers.</summary>
    /// <param name="bucket">Logical bucket name.</param>
    /// <param name="key">The object key the upload was started for.</param>
    /// <param name="uploadId">From <see cref="StartAsync"/>.</param>
    /// <param name="partNumber">1..10,000.</param>
    /// <param name="expiresIn">Defaults to <c>Storage:UploadUrlExpiry</c>; whole seconds, 1 s to 7 days.</param>
    Task<PresignedRequest> PresignPartAsync(string bucket, string key, string uploadId, int partNumber, TimeSpan? expiresIn = null);

    /// <summary>
    /// Assembles the object from <paramref name="parts"/>. False when S3 refuses them (an unknown upload id, a part that
    /// was not uploaded or whose ETag differs, parts out of order): the client has not finished its upload.
    /// </summary>
    Task<bool> CompleteAsync(string bucket, string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default);

    /// <summary>Discards an unfinished upload and its parts; an unknown upload id is not an error.</summary>
    Task AbortAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default);
}

/// <summary>One uploaded part: its number and the ETag S3 answered its PUT with (quotes optional).</summary>
public sealed record UploadedPart(int PartNumber, string ETag)
{
    /// <summary>S3's limit: an upload has at most this many parts, numbered 1 to it.</summary>
    public const int MaxParts = 10_000;

    /// <summary>The longest ETag taken back from a client (S3's are 32 hex digits in quotes, 34 characters).</summary>
    public const int MaxETagLength = 128;
}

internal sealed class MultipartUploads(S3Clients clients, BucketRegistry buckets, IOptions<StorageOptions> options) : IMultipartUploads
{
    public const int MaxParts = 10_000;

    public async Task<string> StartAsync(string bucket, string key, string contentType, CancellationToken cancellationToken = default)
    {
        var response = await clients.Internal.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = buckets.Resolve(bucket), Key = ObjectKeys.EnsureUpload(key), ContentType = contentType },
            cancellationToken);
        return response.UploadId;
    }

    public async Task<PresignedRequest> PresignPartAsync(string bucket, string key, string uploadId, int partNumber, TimeSpan? expiresIn = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partNumber, MaxParts);
        ArgumentException.ThrowIfNullOrWhiteSpace(uploadId);
        var lifetime = expiresIn ?? options.Value.UploadUrlExpiry;
        if (lifetime < TimeSpan.FromSeconds(1) || lifetime > TimeSpan.FromDays(7))
        {
            throw new ArgumentOutOfRangeException(nameof(expiresIn), expiresIn, "A presigned URL lives from 1 second to 7 days.");
        }
        var request = new GetPreSignedUrlRequest
        {
            BucketName = buckets.Resolve(bucket),
            Key = ObjectKeys.EnsureUpload(key),
            Verb = HttpVerb.PUT,
            UploadId = uploadId,
            PartNumber = partNumber,
            // The system clock: the SDK signs X-Amz-Date with it and S3 checks expiry in real time.
            Expires = DateTime.UtcNow + lifetime,
            Protocol = clients.PublicProtocol,
        };
        var url = new Uri(await clients.Public.GetPreSignedURLAsync(request));
        return new PresignedRequest(url, "PUT", new Dictionary<string, string>(), ObjectStorage.ExpiryOf(url, request.Expires.Value));
    }

    public async Task<bool> CompleteAsync(string bucket, string key, string uploadId, IReadOnlyList<UploadedPart> parts,
        CancellationToken cancellationToken = default)
    {
        if (parts.Count is 0 or > MaxParts)
        {
            return false;
        }
        try
        {
            await clients.Internal.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest
                {
                    BucketName = buckets.Resolve(bucket),
                    Key = ObjectKeys.EnsureSafe(key),
                    UploadId = uploadId,
                    PartETags = [.. parts.Select(p => new PartETag(p.PartNumber, '"' + p.ETag.Trim('"') + '"'))],
                },
                cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
        {
            return false; // InvalidPart, InvalidPartOrder, EntityTooSmall, NoSuchUpload: the client's upload is not complete
        }
    }

    public Task AbortAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default) =>
        ObjectStorage.AbortUploadAsync(clients.Internal, buckets.Resolve(bucket), ObjectKeys.EnsureSafe(key), uploadId, cancellationToken);
}
