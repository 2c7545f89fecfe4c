using Amazon.Runtime;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class StorageExtensions
{
    /// <summary>
    /// S3 unreachable (connection refused or reset, timed out) or answering 5xx: 503 <c>storage_unavailable</c>.
    /// The SDK rethrows transport errors as they are after its retries, so those count only when they came out of it.
    /// </summary>
    public static readonly DependencyOutage StorageOutage = new("storage_unavailable", "The file storage is unavailable.",
        exception => exception switch
        {
            AmazonServiceException service => (int)service.StatusCode is 0 or >= 500,
            AmazonClientException => true,
            HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException =>
                exception.StackTrace?.Contains("Amazon.Runtime.", StringComparison.Ordinal) == true,
            _ => false,
        });

    /// <summary>
    /// Adds <see cref="IObjectStorage"/> and <see cref="IMultipartUploads"/> over the S3 API, a hosted service that creates <paramref name="buckets"/>
    /// (retrying while S3 is down), the readiness check <c>s3</c> and its <c>check-dependencies</c> check. Can be called more than once; the buckets add up.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="buckets">Logical names (<see cref="StorageBuckets"/>); each is created as <c>Storage:BucketPrefix</c> + name.</param>
    public static IHostApplicationBuilder AddCampusStorage(this IHostApplicationBuilder builder, params string[] buckets)
    {
        foreach (var bucket in buckets)
        {
            BucketRegistry.Validate(bucket);
        }
        builder.Services.Configure<StorageBucketList>(list => list.Names.UnionWith(buckets));

        if (builder.Services.Any(service => service.ServiceType == typeof(BucketRegistry)))
        {
            return builder;
        }

        // "Storage": {
        //   "ServiceUrl": "http://127.0.0.1:4569",   // required: the endpoint this process calls
        //   "PublicUrl": "https://files.example.com", // what clients call; presigned URLs are signed for it (default: ServiceUrl)
        //   "AccessKey": "...", "SecretKey": "...",   // required
        //   "Region": "us-east-1",
        //   "BucketPrefix": "campus-",
        //   "UploadUrlExpiry": "00:15:00",
        //   "DownloadUrlExpiry": "00:10:00"
        // }
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<S3Clients>();
        builder.Services.AddSingleton<BucketRegistry>();
        builder.Services.AddSingleton<IObjectStorage, ObjectStorage>();
        builder.Services.AddSingleton<IMultipartUploads, MultipartUploads>();
        builder.Services.AddHostedService<BucketInitializer>();
        builder.Services.AddHealthChecks()
            .AddCheck<S3HealthCheck>("s3", tags: ["ready"], timeout: S3HealthCheck.Timeout + TimeSpan.FromMilliseconds(500));
        builder.Services.AddDependencyOutage(StorageOutage);
        builder.Services.AddSingleton<IDependencyCheck, S3DependencyCheck>();
        return builder;
    }
}
