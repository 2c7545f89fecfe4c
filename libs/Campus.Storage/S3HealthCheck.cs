using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Campus.Storage;

/// <summary>
/// Readiness of the S3 API: healthy when every registered bucket answers a HEAD within <see cref="Timeout"/>.
/// It keeps no state of its own beyond the registry, so it goes back to healthy as soon as S3 does.
/// </summary>
internal sealed class S3HealthCheck(S3Clients clients, BucketRegistry buckets) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!buckets.Ensured)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The S3 buckets are not ensured yet (S3 unreachable or still starting).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            foreach (var bucket in buckets.PhysicalNames)
            {
                await clients.Internal.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, timeout.Token);
            }
            if (buckets.PhysicalNames.Count == 0)
            {
                await clients.Internal.ListBucketsAsync(new ListBucketsRequest(), timeout.Token);
            }
            return HealthCheckResult.Healthy();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            buckets.MarkLost();
            return new HealthCheckResult(context.Registration.FailureStatus, "An S3 bucket is missing; it is being created again.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"S3 did not answer within {Timeout.TotalSeconds:0} s.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "S3 is unreachable or refused the request.", ex);
        }
    }
}
