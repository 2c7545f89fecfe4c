using System.Net.Http.Headers;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Campus.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Campus.Storage;

/// <summary>
/// <c>check-dependencies</c> for S3: in every bucket the host registered, a random object under <c>healthcheck/</c> is
/// written with a presigned PUT, read back with a presigned GET and compared, then deleted. The URLs are signed for
/// <c>Storage:ServiceUrl</c> (the address this process uses; <c>PublicUrl</c> is the browsers' and may not be reachable
/// from inside the cluster), so the check proves the endpoint, the credentials, the signing and each bucket. With
/// <c>Storage:RequirePrivateBuckets</c> it also proves the bucket policy: the same object read without a signature, and
/// with the signature altered, must be refused.
/// </summary>
internal sealed class S3DependencyCheck(S3Clients clients, BucketRegistry buckets, IOptions<StorageOptions> options) : IDependencyCheck
{
    public const string KeyPrefix = "healthcheck/";

    private static readonly TimeSpan UrlExpiry = TimeSpan.FromMinutes(5);

    public string Name => "s3";

    public string? Target => $"{options.Value.ServiceUrl.TrimEnd('/')} buckets {string.Join(",", buckets.PhysicalNames.Order(StringComparer.Ordinal))}";

    public IEnumerable<string> Secrets => [options.Value.SecretKey, options.Value.AccessKey];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var bucket in buckets.PhysicalNames.Order(StringComparer.Ordinal))
        {
            var key = KeyPrefix + Guid.NewGuid().ToString("N");
            var content = RandomNumberGenerator.GetBytes(64);
            var written = false;
            try
            {
                using (var put = new HttpRequestMessage(HttpMethod.Put, await PresignAsync(bucket, key, HttpVerb.PUT)))
                {
                    put.Content = new ByteArrayContent(content);
                    put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    using var response = await http.SendAsync(put, cancellationToken);
                    EnsureSuccess(response, "PUT", bucket);
                    written = true;
                }
                var get = new Uri(await PresignAsync(bucket, key, HttpVerb.GET));
                using (var response = await http.GetAsync(get, cancellationToken))
                {
                    EnsureSuccess(response, "GET", bucket);
                    var read = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (!read.AsSpan().SequenceEqual(content))
                    {
                        throw new InvalidOperationException($"{bucket}: the object read back differs from the one written.");
                    }
                }
                if (options.Value.RequirePrivateBuckets)
                {
                    await EnsureRefusedAsync(http, new UriBuilder(get) { Query = "" }.Uri, "an unsigned GET", bucket, cancellationToken);
                    await EnsureRefusedAsync(http, WithAlteredSignature(get), "a GET with an altered signature", bucket, cancellationToken);
                }
            }
            catch when (written)
            {
                // Nothing left behind after a failed GET; the GET's failure is the one reported, not a failed delete's.
                await DeleteAsync(bucket, key).ContinueWith(delete => _ = delete.Exception, TaskScheduler.Default);
                throw;
            }
            // A delete the credentials may not do is a failure too: every host deletes objects.
            await DeleteAsync(bucket, key);
        }
        return $"presigned PUT, GET and delete of a {KeyPrefix} object in each bucket"
            + (options.Value.RequirePrivateBuckets ? "; unsigned and altered-signature GETs refused" : "");
    }

    private Task DeleteAsync(string bucket, string key) =>
        clients.Internal.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, CancellationToken.None);

    private Task<string> PresignAsync(string bucket, string key, HttpVerb verb) =>
        clients.Internal.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = verb,
            ContentType = verb == HttpVerb.PUT ? "application/octet-stream" : null,
            // The SDK presigns https:// unless told otherwise, whatever the endpoint says.
            Protocol = new Uri(options.Value.ServiceUrl).Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS,
            // The system clock, as for every presigned URL: the SDK signs X-Amz-Date with it (ObjectStorage.PresignRequest).
            Expires = DateTime.UtcNow + UrlExpiry,
        });

    private static async Task EnsureRefusedAsync(HttpClient http, Uri url, string what, string bucket, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        if (response.StatusCode is not (System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Unauthorized))
        {
            throw new InvalidOperationException(
                $"{bucket}: {what} answered {(int)response.StatusCode} {response.ReasonPhrase}, not 401/403: the bucket is not private.");
        }
    }

    /// <summary>The presigned URL with the last character of its <c>X-Amz-Signature</c> changed.</summary>
    private static Uri WithAlteredSignature(Uri presigned)
    {
        const string Parameter = "X-Amz-Signature=";
        var query = presigned.Query;
        var start = query.IndexOf(Parameter, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException("The presigned URL carries no X-Amz-Signature.");
        }
        var end = query.IndexOf('&', start);
        var last = (end < 0 ? query.Length : end) - 1;
        var altered = query[last] == '0' ? '1' : '0';
        return new UriBuilder(presigned) { Query = query[1..last] + altered + query[(last + 1)..] }.Uri;
    }

    private static void EnsureSuccess(HttpResponseMessage response, string method, string bucket)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{bucket}: presigned {method} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
    }
}
