using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Campus.Testing;

/// <summary>
/// Own buckets on the real local S3 server (s3rver, with multipart abort and listing added by the platform) for one test class: a unique bucket prefix to put into
/// <c>Storage:BucketPrefix</c>, and afterwards every bucket with that prefix is emptied and deleted.
/// Use as a class fixture: <c>IClassFixture&lt;S3TestBuckets&gt;</c>, and pass <see cref="Settings"/> to the host.
/// </summary>
public sealed class S3TestBuckets : IAsyncLifetime
{
    /// <summary>Unique per instance, e.g. <c>t3f2c9b1e0a7d-</c>; with it any Campus bucket name stays valid.</summary>
    public string BucketPrefix { get; } = TestInfrastructure.UniqueName("t") + "-";

    /// <summary>A client for arranging and asserting behind the code under test (path-style, no optional checksums).</summary>
    public IAmazonS3 Client { get; } = new AmazonS3Client(
        new BasicAWSCredentials(TestInfrastructure.S3AccessKey, TestInfrastructure.S3SecretKey),
        new AmazonS3Config
        {
            ServiceURL = TestInfrastructure.S3Url,
            AuthenticationRegion = "us-east-1",
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>The <c>Storage:*</c> configuration for a host under test (add with <c>AddInMemoryCollection</c>).</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:ServiceUrl"] = TestInfrastructure.S3Url,
        ["Storage:PublicUrl"] = TestInfrastructure.S3Url,
        ["Storage:AccessKey"] = TestInfrastructure.S3AccessKey,
        ["Storage:SecretKey"] = TestInfrastructure.S3SecretKey,
        ["Storage:BucketPrefix"] = BucketPrefix,
    };

    /// <summary>The physical name of a logical bucket (what <c>AddCampusStorage</c> creates).</summary>
    public string BucketName(string bucket) => BucketPrefix + bucket;

    /// <summary>
    /// The multipart uploads of a logical bucket started and neither completed nor aborted (ListMultipartUploads), as
    /// <c>key upload-id</c>, optionally only those whose key starts with <paramref name="prefix"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> UnfinishedUploadsAsync(string bucket, string prefix = "", CancellationToken cancellationToken = default)
    {
        var response = await Client.ListMultipartUploadsAsync(
            new ListMultipartUploadsRequest { BucketName = BucketName(bucket), Prefix = prefix }, cancellationToken);
        return [.. (response.MultipartUploads ?? []).Select(upload => $"{upload.Key} {upload.UploadId}")];
    }

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await Client.ListBucketsAsync(new ListBucketsRequest(), timeout.Token);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"No S3 server answers at {TestInfrastructure.S3Url}: start it with ./platform infra.", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var buckets = await Client.ListBucketsAsync(new ListBucketsRequest());
        foreach (var bucket in buckets.Buckets ?? [])
        {
            if (!bucket.BucketName.StartsWith(BucketPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            ListObjectsV2Response page;
            var request = new ListObjectsV2Request { BucketName = bucket.BucketName };
            do
            {
                page = await Client.ListObjectsV2Async(request);
                // One by one: test buckets hold a few objects, and DeleteObjects needs a checksum header that S3 servers handle unevenly.
                foreach (var item in page.S3Objects ?? [])
                {
                    await Client.DeleteObjectAsync(bucket.BucketName, item.Key);
                }
                request.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);
            await Client.DeleteBucketAsync(bucket.BucketName);
        }
        Client.Dispose();
    }
}
