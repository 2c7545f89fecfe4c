namespace Campus.Storage;

/// <summary>
/// Object storage as Campus uses it. Buckets are the logical names registered with
/// <c>builder.AddCampusStorage(...)</c> (see <see cref="StorageBuckets"/>); keys come from <see cref="ObjectKeys"/>.
/// Operations on a missing object return null rather than throw; S3 being unreachable throws.
/// </summary>
public interface IObjectStorage
{
    /// <summary>
    /// A presigned PUT for the public endpoint with <c>Content-Type</c> signed in: the client must send exactly
    /// <see cref="PresignedRequest.Headers"/>. Afterwards call <see cref="PromoteUploadAsync"/>: s3rver enforces neither
    /// the signature nor the type, no S3 server limits the size of a presigned PUT, and the URL stays valid until it
    /// expires, so the client can replace the object at any time before.
    /// </summary>
    /// <param name="bucket">Logical bucket name.</param>
    /// <param name="key">An upload key from <see cref="ObjectKeys.NewUpload"/>; any other key is an <see cref="ArgumentException"/>.</param>
    /// <param name="contentType">The media type the client must send (and that <see cref="PromoteUploadAsync"/> will expect).</param>
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

    /// <summary>
    /// Starts a multipart upload to <paramref name="key"/> (a key only the service writes, never an upload key) and
    /// answers a stream that uploads it part by part: for output of unknown length written by the service itself
    /// (reports). Call <see cref="ObjectUploadStream.CompleteAsync"/> when the writer is done; disposing it without
    /// completing aborts the upload.
    /// </summary>
    /// <param name="bucket">Logical bucket name.</param>
    /// <param name="key">Object key (not in the upload area).</param>
    /// <param name="contentType">The object's content type.</param>
    /// <param name="partSize">Bytes per part, at least 5 MiB (S3's minimum for every part but the last).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    Task<ObjectUploadStream> OpenUploadStreamAsync(string bucket, string key, string contentType, int partSize = 8 * 1024 * 1024,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Aborts a multipart upload started by <see cref="OpenUploadStreamAsync"/> whose stream is gone (its process was
    /// killed): its parts are discarded. An unknown or finished upload is not an error.
    /// </summary>
    Task AbortUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default);

    /// <summary>A stream over the object's content, or null when there is none. The caller disposes it.</summary>
    Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a client's upload out of the client's reach and checks it: the object at <paramref name="uploadKey"/> is
    /// copied inside S3 to a fresh key of the checked area (<see cref="ObjectKeys.NewChecked"/>, a key no presigned URL is
    /// ever issued for), and then the copy — the bytes that will be served — is checked against
    /// <paramref name="rules"/>: it exists, its size is within the limit (and is <paramref name="declaredBytes"/> when
    /// given), its content type is allowed, its first bytes carry that type's signature, and it is of
    /// <paramref name="declaredContentType"/> when given (the type the upload URL was signed for: an S3 server that does
    /// not check signatures would store another). Whatever the client PUTs to its URL afterwards lands on a key nobody reads.
    /// A refused upload is deleted (both keys). Use <see cref="UploadVerification.Object"/>'s <see cref="StoredObject.Key"/>
    /// from then on; it is the only key a consumer may read.
    /// <para>An accepted upload's key is left in place: the caller stores the checked key, commits, and only then calls
    /// <see cref="DeleteUploadAsync"/>. If the commit fails, the upload is still there and a retry promotes it again (the
    /// first copy is left unreferenced; see the README).</para>
    /// </summary>
    /// <param name="bucket">Logical bucket name; the checked copy stays in it.</param>
    /// <param name="uploadKey">The key the upload URL was issued for (<see cref="ObjectKeys.NewUpload"/>).</param>
    /// <param name="rules">Size limit and allowed types.</param>
    /// <param name="declaredContentType">The type the client declared, or null to take any type of <paramref name="rules"/>.</param>
    /// <param name="declaredBytes">The size the client declared, or null when it declared none.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    Task<UploadVerification> PromoteUploadAsync(string bucket, string uploadKey, UploadRules rules, string? declaredContentType = null,
        long? declaredBytes = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a promoted upload once the caller has committed its checked key (<see cref="PromoteUploadAsync"/>). Best
    /// effort: it never throws; a failure (S3 away, the request cancelled) is logged and the object is left to the
    /// bucket's lifecycle rule on the upload area, since nothing reads it.
    /// </summary>
    /// <param name="bucket">Logical bucket name.</param>
    /// <param name="uploadKey">An upload key (<see cref="ObjectKeys.NewUpload"/>); any other key is an <see cref="ArgumentException"/>.</param>
    /// <param name="cancellationToken">Cancels the deletion (which is then left to the lifecycle rule).</param>
    Task DeleteUploadAsync(string bucket, string uploadKey, CancellationToken cancellationToken = default);
}
