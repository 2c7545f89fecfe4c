using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Web;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Campus.Storage;

internal sealed partial class ObjectStorage(
    S3Clients clients, BucketRegistry buckets, IOptions<StorageOptions> options, ILogger<ObjectStorage> logger)
    : IObjectStorage
{
    private static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(7);
    private const int MaxFirstBytes = 1024 * 1024;

    public async Task<PresignedRequest> PresignUploadAsync(string bucket, string key, string contentType, TimeSpan? expiresIn = null)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out _))
        {
            throw new ArgumentException("The content type is not a valid media type.", nameof(contentType));
        }
        // Only the upload area: a presigned PUT for a checked or service-written key would let a client replace what is served.
        var request = PresignRequest(bucket, ObjectKeys.EnsureUpload(key), expiresIn ?? options.Value.UploadUrlExpiry);
        request.Verb = HttpVerb.PUT;
        // Signed: the URL is only valid for a request with exactly this Content-Type (X-Amz-SignedHeaders=content-type;host).
        request.ContentType = contentType;
        return await PresignAsync(request, "PUT", new Dictionary<string, string> { ["Content-Type"] = contentType });
    }

    public async Task<PresignedRequest> PresignDownloadAsync(string bucket, string key, string? downloadFileName = null, TimeSpan? expiresIn = null)
    {
        var request = PresignRequest(bucket, key, expiresIn ?? options.Value.DownloadUrlExpiry);
        request.Verb = HttpVerb.GET;
        if (downloadFileName is not null)
        {
            request.ResponseHeaderOverrides.ContentDisposition = AttachmentDisposition(downloadFileName);
        }
        return await PresignAsync(request, "GET", new Dictionary<string, string>());
    }

    public async Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await clients.Internal.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = buckets.Resolve(bucket), Key = ObjectKeys.EnsureSafe(key) }, cancellationToken);
            return new StoredObject(
                key,
                response.ContentLength,
                response.Headers.ContentType,
                response.ETag?.Trim('"'),
                response.LastModified is { } modified ? AsUtc(modified) : null);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<byte[]?> ReadFirstBytesAsync(string bucket, string key, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxFirstBytes);
        try
        {
            using var response = await clients.Internal.GetObjectAsync(
                new GetObjectRequest { BucketName = buckets.Resolve(bucket), Key = ObjectKeys.EnsureSafe(key), ByteRange = new ByteRange(0, count - 1) },
                cancellationToken);
            if (response.ContentRange?.EndsWith("/0", StringComparison.Ordinal) == true)
            {
                return []; // s3rver answers a range on an empty object with 206, "bytes 0-0/0" and a body that never comes
            }
            // Read at most count bytes even if a server ignores the range and sends the whole object.
            var buffer = new byte[count];
            var read = await response.ResponseStream.ReadAtLeastAsync(buffer, count, throwOnEndOfStream: false, cancellationToken);
            return buffer[..read];
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return []; // an empty object has no byte 0
        }
    }

    public async Task PutAsync(string bucket, string key, Stream content, string contentType, CancellationToken cancellationToken = default)
    {
        if (!content.CanSeek)
        {
            throw new ArgumentException("The content stream must be seekable (a file or a memory stream): its length is signed.", nameof(content));
        }
        await clients.Internal.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = buckets.Resolve(bucket),
                Key = ObjectKeys.EnsureSafe(key),
                InputStream = content,
                ContentType = contentType,
                AutoCloseStream = false,
                // Over plain http the SDK would send aws-chunked framing, which s3rver stores verbatim (a corrupt object).
                UseChunkEncoding = false,
            },
            cancellationToken);
    }

    public async Task<ObjectUploadStream> OpenUploadStreamAsync(string bucket, string key, string contentType, int partSize = 8 * 1024 * 1024,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, ObjectUploadStream.MinPartSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partSize, 512 * 1024 * 1024);
        if (ObjectKeys.IsUpload(key))
        {
            throw new ArgumentException("Upload keys are written by clients; the service writes its own keys.", nameof(key));
        }
        var physical = buckets.Resolve(bucket);
        var response = await clients.Internal.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = physical, Key = ObjectKeys.EnsureSafe(key), ContentType = contentType },
            cancellationToken);
        return new ObjectUploadStream(clients.Internal, physical, key, response.UploadId, partSize);
    }

    public Task AbortUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default) =>
        AbortUploadAsync(clients.Internal, buckets.Resolve(bucket), ObjectKeys.EnsureSafe(key), uploadId, cancellationToken);

    internal static async Task AbortUploadAsync(IAmazonS3 client, string physicalBucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = physicalBucket, Key = key, UploadId = uploadId }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotFound)
        {
            // NoSuchUpload: already completed or aborted, nothing left to discard.
        }
    }

    public async Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await clients.Internal.GetObjectAsync(
                new GetObjectRequest { BucketName = buckets.Resolve(bucket), Key = ObjectKeys.EnsureSafe(key) }, cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default) =>
        await clients.Internal.DeleteObjectAsync(
            new DeleteObjectRequest { BucketName = buckets.Resolve(bucket), Key = ObjectKeys.EnsureSafe(key) }, cancellationToken);

    public async Task<UploadVerification> PromoteUploadAsync(string bucket, string uploadKey, UploadRules rules,
        string? declaredContentType = null, long? declaredBytes = null, CancellationToken cancellationToken = default)
    {
        ObjectKeys.EnsureUpload(uploadKey);
        var upload = await HeadAsync(bucket, uploadKey, cancellationToken);
        if (upload is null)
        {
            return UploadVerification.Refused(new UploadProblem(UploadProblems.Missing, "No file was uploaded."));
        }
        // What HEAD already refuses needs no copy (a client may have uploaded gigabytes beyond the limit).
        if (Check(upload, rules, declaredContentType, declaredBytes) is { } early)
        {
            return await RefuseAsync(bucket, uploadKey, early, cancellationToken);
        }

        var type = rules.Find(upload.ContentType)!;
        var checkedKey = ObjectKeys.NewChecked(type.Extension);
        try
        {
            await clients.Internal.CopyObjectAsync(
                new CopyObjectRequest
                {
                    SourceBucket = buckets.Resolve(bucket),
                    SourceKey = uploadKey,
                    DestinationBucket = buckets.Resolve(bucket),
                    DestinationKey = checkedKey,
                    // S3 and MinIO refuse the copy when the upload changed since the HEAD (s3rver ignores it; the copy is checked below anyway).
                    ETagToMatch = upload.ETag is null ? null : '"' + upload.ETag + '"',
                    MetadataDirective = S3MetadataDirective.COPY,
                },
                cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return UploadVerification.Refused(new UploadProblem(UploadProblems.Missing, "No file was uploaded."));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return await RefuseAsync(bucket, uploadKey,
                new UploadProblem(UploadProblems.ContentMismatch, "The file was replaced while it was checked; upload it again."), cancellationToken);
        }
        // The upload key is never read again: whatever the client PUTs there later changes nothing. It stays until the
        // caller has committed the checked key (DeleteUploadAsync), so a failed commit can be retried.

        // Check the copy itself, not the upload: these are the bytes every consumer will read.
        var stored = await HeadAsync(bucket, checkedKey, cancellationToken)
            ?? throw new InvalidOperationException("The checked copy of an upload vanished right after it was made.");
        var problem = Check(stored, rules, declaredContentType, declaredBytes);
        if (problem is null)
        {
            var firstBytes = stored.Size == 0 ? [] : await ReadFirstBytesAsync(bucket, checkedKey, type.SampleLength, cancellationToken) ?? [];
            if (!type.Matches(firstBytes))
            {
                problem = new UploadProblem(UploadProblems.ContentMismatch, $"The file's content is not {type.ContentType}.");
            }
        }
        if (problem is not null)
        {
            await DeleteAsync(bucket, uploadKey, cancellationToken);
            return await RefuseAsync(bucket, checkedKey, problem, cancellationToken);
        }
        LogPromoted(bucket, checkedKey, stored.Size);
        return UploadVerification.Accepted(stored, type);
    }

    public async Task DeleteUploadAsync(string bucket, string uploadKey, CancellationToken cancellationToken = default)
    {
        ObjectKeys.EnsureUpload(uploadKey);
        try
        {
            await DeleteAsync(bucket, uploadKey, cancellationToken);
        }
        catch (Exception ex)
        {
            // The checked copy is committed; what is left under incoming/ is read by nothing and expired by the bucket's
            // lifecycle rule (README, "Bucket policy Campus needs").
            LogUploadNotDeleted(ex, bucket, uploadKey);
        }
    }

    /// <summary>What HEAD alone tells against the rules and the client's declaration; null when nothing.</summary>
    private static UploadProblem? Check(StoredObject stored, UploadRules rules, string? declaredContentType, long? declaredBytes)
    {
        var type = rules.Find(stored.ContentType);
        return stored.Size > rules.MaxBytes ? rules.TooLarge(stored.Size)
            : declaredBytes is { } declared && stored.Size != declared
                ? new UploadProblem(UploadProblems.SizeMismatch, $"The file has {stored.Size} bytes, not the {declared} declared.")
            : type is null ? rules.TypeNotAllowed(stored.ContentType)
            : declaredContentType is not null && type.ContentType != declaredContentType
                ? new UploadProblem(UploadProblems.ContentMismatch, $"The file was uploaded as {type.ContentType}, not {declaredContentType}.")
            : null;
    }

    private async Task<UploadVerification> RefuseAsync(string bucket, string key, UploadProblem problem, CancellationToken cancellationToken)
    {
        await DeleteAsync(bucket, key, cancellationToken);
        LogRefused(bucket, key, problem.Code);
        return UploadVerification.Refused(problem);
    }

    private GetPreSignedUrlRequest PresignRequest(string bucket, string key, TimeSpan expiresIn)
    {
        if (expiresIn < TimeSpan.FromSeconds(1) || expiresIn > MaxExpiry)
        {
            throw new ArgumentOutOfRangeException(nameof(expiresIn), expiresIn, "A presigned URL lives from 1 second to 7 days.");
        }
        return new GetPreSignedUrlRequest
        {
            BucketName = buckets.Resolve(bucket),
            Key = ObjectKeys.EnsureSafe(key),
            // The system clock, not the injected TimeProvider: the SDK signs X-Amz-Date with its own (the system) clock and
            // turns Expires into X-Amz-Expires against it, so another clock here would only skew the URL's lifetime (a fake
            // clock in a test: expired or beyond 7 days at once); S3 checks the expiry in real time.
            Expires = DateTime.UtcNow + expiresIn,
            // The SDK presigns https:// unless told otherwise, whatever the endpoint says.
            Protocol = clients.PublicProtocol,
        };
    }

    private async Task<PresignedRequest> PresignAsync(GetPreSignedUrlRequest request, string method, Dictionary<string, string> headers)
    {
        var url = new Uri(await clients.Public.GetPreSignedURLAsync(request));
        return new PresignedRequest(url, method, headers, ExpiryOf(url, request.Expires!.Value));
    }

    /// <summary>The instant S3 enforces: X-Amz-Date (the SDK's clock) plus X-Amz-Expires (rounded to whole seconds).</summary>
    internal static DateTimeOffset ExpiryOf(Uri url, DateTime requested)
    {
        var query = HttpUtility.ParseQueryString(url.Query);
        return DateTimeOffset.TryParseExact(query["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt)
            && long.TryParse(query["X-Amz-Expires"], CultureInfo.InvariantCulture, out var seconds)
            ? signedAt.AddSeconds(seconds)
            : new DateTimeOffset(requested, TimeSpan.Zero);
    }

    private static DateTimeOffset AsUtc(DateTime value) =>
        new(value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value.ToUniversalTime());

    /// <summary><c>attachment</c> with an ASCII fallback name and the full name as RFC 5987 <c>filename*</c>.</summary>
    internal static string AttachmentDisposition(string fileName)
    {
        var name = new string([.. fileName.Where(c => !char.IsControl(c) && c is not ('/' or '\\' or '"'))]).Trim();
        if (name.Length > 200)
        {
            name = name[..200];
        }
        if (name.Length == 0)
        {
            name = "download";
        }
        var ascii = new string([.. name.Select(c => c is >= ' ' and <= '~' ? c : '_')]);
        var header = new ContentDispositionHeaderValue("attachment") { FileName = $"\"{ascii}\"" };
        if (ascii != name)
        {
            header.FileNameStar = name;
        }
        return header.ToString();
    }

    [LoggerMessage(LogLevel.Information, "Accepted an upload into {Bucket}/{Key} ({Size} bytes)")]
    private partial void LogPromoted(string bucket, string key, long size);

    [LoggerMessage(LogLevel.Warning, "Could not delete the promoted upload {Bucket}/{Key}; the incoming/ lifecycle rule will expire it")]
    private partial void LogUploadNotDeleted(Exception exception, string bucket, string key);

    [LoggerMessage(LogLevel.Information, "Refused upload {Bucket}/{Key}: {Problem}; the object was deleted")]
    private partial void LogRefused(string bucket, string key, string problem);
}
