using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Campus.Storage;

/// <summary>
/// Object keys are built by the service, never taken from the client, and are random: nothing in a key is derived from
/// a user, course, chat or media id, so a key seen by nobody cannot be guessed (and a listing by such an id finds nothing).
/// A bucket has two areas:
/// <list type="bullet">
/// <item><c>incoming/{random}{ext}</c> (<see cref="NewUpload"/>): the only keys presigned PUTs and multipart uploads are
/// issued for (<see cref="IObjectStorage.PresignUploadAsync"/> and <see cref="IMultipartUploads"/> refuse any other key).
/// Nothing there is ever served or processed: a client can overwrite it until its URL expires.</item>
/// <item>every other key, e.g. <c>checked/{random}{ext}</c> (<see cref="NewChecked"/>) or <c>hls/{random}/…</c>
/// (<see cref="NewPrefix"/>): written only by the service (<see cref="IObjectStorage.PromoteUploadAsync"/>,
/// <see cref="IObjectStorage.PutAsync"/>), so what was checked stays what is served.</item>
/// </list>
/// A user's file name goes into the Content-Disposition of a download (<see cref="IObjectStorage.PresignDownloadAsync"/>),
/// not into the key. The service keeps the key in its own row; endpoints take the row's id, not a key.
/// </summary>
public static partial class ObjectKeys
{
    /// <summary>The area of keys clients upload to.</summary>
    public const string UploadArea = "incoming";

    /// <summary>The longest key, in UTF-8 bytes (S3's limit); a key of more characters is never safe.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>The area of uploads that passed their check (<see cref="IObjectStorage.PromoteUploadAsync"/>).</summary>
    public const string CheckedArea = "checked";

    /// <summary>A fresh key for a client's upload, e.g. <c>incoming/9b1e….png</c>.</summary>
    /// <param name="extension">With the dot (<see cref="FileType.Extension"/>), or empty.</param>
    public static string NewUpload(string extension) => $"{UploadArea}/{RandomName()}{CheckExtension(extension)}";

    /// <summary>A fresh key for a checked upload, e.g. <c>checked/4c0d….png</c>.</summary>
    public static string NewChecked(string extension) => $"{CheckedArea}/{RandomName()}{CheckExtension(extension)}";

    /// <summary>A fresh prefix for objects the service writes itself, e.g. <c>hls/77aa…</c> (no trailing slash).</summary>
    /// <param name="area">One segment of lowercase letters, digits and '-'; never <see cref="UploadArea"/>.</param>
    public static string NewPrefix(string area)
    {
        if (!Area().IsMatch(area) || area == UploadArea)
        {
            throw new ArgumentException($"The area must be one segment of lowercase letters, digits and '-', not '{UploadArea}'.", nameof(area));
        }
        return $"{area}/{RandomName()}";
    }

    /// <summary>True for keys of the upload area: the only ones a client can write to.</summary>
    public static bool IsUpload(string? key) => IsSafe(key) && key!.StartsWith(UploadArea + "/", StringComparison.Ordinal);

    /// <summary>
    /// True for keys this library will work with: 1–<see cref="MaxKeyBytes"/> UTF-8 bytes, '/'-separated segments that are neither empty
    /// nor '.' or '..', no backslash and no control characters.
    /// </summary>
    public static bool IsSafe(string? key)
    {
        if (string.IsNullOrEmpty(key) || Encoding.UTF8.GetByteCount(key) > MaxKeyBytes || key.Contains('\\') || key.Any(char.IsControl))
        {
            return false;
        }
        return key.Split('/').All(segment => segment is not ("" or "." or ".."));
    }

    internal static string EnsureSafe(string key) =>
        IsSafe(key) ? key : throw new ArgumentException("The object key is not safe (see ObjectKeys.IsSafe).", nameof(key));

    internal static string EnsureUpload(string key) =>
        IsUpload(key) ? key : throw new ArgumentException($"Clients upload only to keys under '{UploadArea}/' (see ObjectKeys.NewUpload).", nameof(key));

    /// <summary>128 bits from the cryptographic generator, as 32 lowercase hex digits.</summary>
    private static string RandomName() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string CheckExtension(string extension) => ExtensionPattern().IsMatch(extension)
        ? extension
        : throw new ArgumentException("The extension must be empty or a dot and 1–10 lowercase letters or digits.", nameof(extension));

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,30}$")]
    private static partial Regex Area();

    [GeneratedRegex("^(\\.[a-z0-9]{1,10})?$")]
    private static partial Regex ExtensionPattern();
}
