using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Options;

namespace Campus.Storage;

/// <summary>
/// Two clients with the same credentials: <see cref="Internal"/> performs operations against
/// <c>Storage:ServiceUrl</c>; <see cref="Public"/> only presigns, for <c>Storage:PublicUrl</c>, and never sends a request.
/// </summary>
internal sealed class S3Clients : IDisposable
{
    public S3Clients(IOptions<StorageOptions> options)
    {
        var settings = options.Value;
        Internal = Create(settings, settings.ServiceUrl);
        var publicUrl = new Uri(settings.EffectivePublicUrl);
        Public = Create(settings, publicUrl.GetLeftPart(UriPartial.Authority));
        // GetPreSignedURL returns https:// unless told otherwise, whatever the endpoint's scheme is.
        PublicProtocol = publicUrl.Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS;
    }

    public AmazonS3Client Internal { get; }
    public AmazonS3Client Public { get; }
    public Protocol PublicProtocol { get; }

    /// <summary>A client for an S3-compatible server (MinIO, s3rver): path-style, no optional checksums.</summary>
    public static AmazonS3Client Create(StorageOptions settings, string serviceUrl)
    {
        var client = new AmazonS3Client(
        new BasicAWSCredentials(settings.AccessKey, settings.SecretKey),
        new AmazonS3Config
        {
            ServiceURL = serviceUrl,
            AuthenticationRegion = settings.Region,
            ForcePathStyle = true,
            // Only the checksums an operation requires: S3-compatible servers (s3rver, older MinIO) handle the optional
            // CRC32 headers unevenly, and some SDKs sign an empty body's checksum into presigned PUT URLs.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        client.BeforeRequestEvent += KeepCopySourceSlashes;
        return client;
    }

    /// <summary>
    /// The SDK encodes every '/' of <c>x-amz-copy-source</c> as %2F; S3 and MinIO accept both forms, s3rver only the plain
    /// one (it splits bucket and key at the first '/'). Raised before signing, so the signature covers the plain form.
    /// </summary>
    private static void KeepCopySourceSlashes(object sender, RequestEventArgs e)
    {
        if (e is WebServiceRequestEventArgs { Headers: { } headers } && headers.TryGetValue(CopySourceHeader, out var source))
        {
            headers[CopySourceHeader] = source.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        }
    }

    private const string CopySourceHeader = "x-amz-copy-source";

    public void Dispose()
    {
        Internal.Dispose();
        Public.Dispose();
    }
}
