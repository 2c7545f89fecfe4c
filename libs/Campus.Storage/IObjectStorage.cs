namespace Campus.Storage;

/// <summary>
/// Object storage as Campus uses it (DESIGN §6). Buckets are the logical names registered with
/// <c>builder.AddCampusStorage(...)</c> (see <see cref="StorageBuckets"/>); keys come from <see cref="ObjectKeys"/>.
/// Operations on a missing object return null rather than throw; S3 being unreachable throws.
/// </summary>
public interface IObjectStorage
{
    /// <summary>
    /// A presigned PUT for the public endpoint with <c>Content-Type</c> signed in: the client must send exactly
    /// <see cref="PresignedRequest.Headers"/>. Afterwards call <see cref="VerifyUploadAsync"/>: s3rver enforces neither
    /// the signature nor the type, and no S3 server limits the size of a presigned PUT.
    /// </summary>
    /// <param name="bucket">Logical bucket name.</param>
    /// <param name="key">Object key, normally from <see cref="ObjectKeys.New(string, string)"/>.</param>
    /// <param name="contentType">The media type the client must send (and that <see cref="VerifyUploadAsync"/> will expect).</param>
    /// <param name="expiresIn">Defaults to <c>Storage:UploadUrlExpiry</c>; whole seconds, 1 s to 7 days.</param>
    Task<PresignedRequest> PresignUploadAsync(string bucket, string key, string contentType, TimeSpan? expiresIn = null);

    /// <summary>A presigned GET for the public endpoint.</summary>
    /// <param name="bucket">Logical bucket name.</param>
    /// <param name="key">Object key.</param>
    /// <param name="downloadFileName">When set, the response carries <c>Content-Disposition: attachment</c> with this name.</param>
    /// <param name="expiresIn">Defaults to <c>Storage:DownloadUrlExpiry</c>.</param>
    Task<PresignedRequest> PresignDownloadAsync(string bucket, string key, string? downloadFileName = null, TimeSpan? expiresIn = null);

    /// <summary>Size, content type and ETag of an object, or null when there is none.</summary>
    Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>The first <paramref name="count"/> bytes (fewer when the object is shorter), or null when there is no object.</summary>
    Task<byte[]?> ReadFirstBytesAsync(string bucket, string key, int count, CancellationToken cancellationToken = default);

    /// <summary>Stores an object written by the service itself (worker output). <paramref name="content"/> must be seekable and is left open.</summary>
    Task PutAsync(string bucket, string key, Stream content, string contentType, CancellationToken cancellationToken = default);

    /// <summary>A stream over the object's content, or null when there is none. The caller disposes it.</summary>
    Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks an object a client uploaded against <paramref name="rules"/>: it exists, its size is within the limit, its
    /// content type is allowed and its first bytes carry that type's signature, and, when <paramref name="declaredContentType"/>
    /// is given, it is of that type (the one the upload URL was signed for: an S3 server that does not check signatures
    /// would store another). An object that fails is deleted.
    /// </summary>
    Task<UploadVerification> VerifyUploadAsync(string bucket, string key, UploadRules rules, string? declaredContentType = null,
        CancellationToken cancellationToken = default);
}
