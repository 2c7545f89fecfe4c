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
        var request = PresignRequest(bucket, key, expiresIn ?? options.Value.UploadUrlExpiry);
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

    public async Task<UploadVerification> VerifyUploadAsync(string bucket, string key, UploadRules rules, string? declaredContentType = null,
        CancellationToken cancellationToken = default)
    {
        var stored = await HeadAsync(bucket, key, cancellationToken);
        if (stored is null)
        {
            return UploadVerification.Refused(new UploadProblem(UploadProblems.Missing, "No file was uploaded."));
        }

        var type = rules.Find(stored.ContentType);
        var problem = stored.Size > rules.MaxBytes ? rules.TooLarge(stored.Size)
            : type is null ? rules.TypeNotAllowed(stored.ContentType)
            : null;
        if (problem is null && type is not null)
        {
            var firstBytes = stored.Size == 0 ? [] : await ReadFirstBytesAsync(bucket, key, type.SampleLength, cancellationToken);
            if (firstBytes is null)
            {
                return UploadVerification.Refused(new UploadProblem(UploadProblems.Missing, "No file was uploaded."));
            }
            if (!type.Matches(firstBytes))
            {
                problem = new UploadProblem(UploadProblems.ContentMismatch, $"The file's content is not {type.ContentType}.");
            }
            else if (declaredContentType is not null && type.ContentType != declaredContentType)
            {
                problem = new UploadProblem(UploadProblems.ContentMismatch, $"The file was uploaded as {type.ContentType}, not {declaredContentType}.");
            }
        }

        if (problem is not null)
        {
            await DeleteAsync(bucket, key, cancellationToken);
            LogRefused(bucket, key, problem.Code);
            return UploadVerification.Refused(problem);
        }
        return UploadVerification.Accepted(stored, type!);
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
            // The system clock, not an injected TimeProvider: the SDK signs X-Amz-Date with it and S3 checks expiry in real time.
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

    [LoggerMessage(LogLevel.Information, "Refused upload {Bucket}/{Key}: {Problem}; the object was deleted")]
    private partial void LogRefused(string bucket, string key, string problem);
}
