using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Campus.Storage;

/// <summary>
/// Creates the registered buckets at start, and again whenever the readiness check finds one gone.
/// S3 being down is not fatal: it retries with exponential backoff while the readiness check reports unhealthy.
/// </summary>
internal sealed partial class BucketInitializer(
    S3Clients clients, BucketRegistry buckets, IOptions<StorageOptions> options, ILogger<BucketInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = FirstRetryDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var bucket in buckets.PhysicalNames)
                {
                    await EnsureAsync(bucket, stoppingToken);
                    await ApplyCorsAsync(bucket, stoppingToken);
                }
                buckets.MarkEnsured();
                LogEnsured(buckets.PhysicalNames.Count);
                delay = FirstRetryDelay;
                await buckets.WaitUntilLostAsync(stoppingToken);
                LogLost();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRetry(ex, delay);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task EnsureAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            // HEAD first: on AWS, PutBucket on a name someone else owns also answers 409, which must not pass as "ensured".
            await clients.Internal.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, cancellationToken);
            return;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }

        try
        {
            await clients.Internal.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken);
            LogCreated(bucket);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Another replica created it between our HEAD and PUT.
        }
    }

    /// <summary>
    /// The CORS a browser needs (<c>Storage:CorsOrigins</c>): GET and HEAD (HLS players, avatars, documents, reports) and PUT
    /// (presigned uploads) from the web origins, with the headers they send and the ones a player and a multipart upload
    /// read. A storage that has no per-bucket CORS (MinIO answers NotImplemented: it has one server-wide setting) or a
    /// credential without <c>s3:PutBucketCORS</c> is logged, not fatal: the buckets serve, and browsers are refused.
    /// </summary>
    private async Task ApplyCorsAsync(string bucket, CancellationToken cancellationToken)
    {
        var origins = options.Value.CorsOrigins;
        if (origins.Length == 0)
        {
            return;
        }
        try
        {
            await clients.Internal.PutCORSConfigurationAsync(new PutCORSConfigurationRequest
            {
                BucketName = bucket,
                Configuration = new CORSConfiguration { Rules = [CorsRule(origins)] },
            }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.Forbidden
                                           || ex.ErrorCode is "NotImplemented" or "AccessDenied")
        {
            LogCorsNotApplied(ex, bucket, ex.ErrorCode);
        }
    }

    internal static CORSRule CorsRule(IEnumerable<string> origins) => new()
    {
        AllowedOrigins = [.. origins],
        AllowedMethods = ["GET", "HEAD", "PUT"],
        AllowedHeaders = ["Content-Type", "Range"],
        ExposeHeaders = ["Content-Length", "Content-Range", "Accept-Ranges", "ETag"],
        MaxAgeSeconds = 3600,
    };

    [LoggerMessage(LogLevel.Error, "Could not set the CORS of S3 bucket {Bucket} ({Code}): browsers will be refused; set it on the storage (Storage:CorsOrigins)")]
    private partial void LogCorsNotApplied(Exception exception, string bucket, string code);

    [LoggerMessage(LogLevel.Information, "Created S3 bucket {Bucket}")]
    private partial void LogCreated(string bucket);

    [LoggerMessage(LogLevel.Information, "S3 buckets ensured ({Count})")]
    private partial void LogEnsured(int count);

    [LoggerMessage(LogLevel.Warning, "An S3 bucket is missing; creating the buckets again")]
    private partial void LogLost();

    [LoggerMessage(LogLevel.Warning, "Could not ensure the S3 buckets; retrying in {Delay}")]
    private partial void LogRetry(Exception exception, TimeSpan delay);
}
