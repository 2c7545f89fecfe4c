using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campus.Storage;

/// <summary>
/// Creates the registered buckets at start, and again whenever the readiness check finds one gone.
/// S3 being down is not fatal: it retries with exponential backoff while the readiness check reports unhealthy.
/// </summary>
internal sealed partial class BucketInitializer(S3Clients clients, BucketRegistry buckets, ILogger<BucketInitializer> logger) : BackgroundService
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

    [LoggerMessage(LogLevel.Information, "Created S3 bucket {Bucket}")]
    private partial void LogCreated(string bucket);

    [LoggerMessage(LogLevel.Information, "S3 buckets ensured ({Count})")]
    private partial void LogEnsured(int count);

    [LoggerMessage(LogLevel.Warning, "An S3 bucket is missing; creating the buckets again")]
    private partial void LogLost();

    [LoggerMessage(LogLevel.Warning, "Could not ensure the S3 buckets; retrying in {Delay}")]
    private partial void LogRetry(Exception exception, TimeSpan delay);
}
