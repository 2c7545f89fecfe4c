namespace Campus.Storage;

/// <summary>
/// Logical names of the Campus buckets. A service and its worker name the
/// same constant, so both resolve it to the same physical bucket (<c>Storage:BucketPrefix</c> + name).
/// </summary>
public static class StorageBuckets
{
    public const string Avatars = "avatars";
    public const string MediaUploads = "media-uploads";
    public const string MediaHls = "media-hls";
    public const string Documents = "documents";
    public const string Reports = "reports";
    public const string ChatAttachments = "chat-attachments";
}
