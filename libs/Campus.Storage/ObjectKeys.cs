using System.Text;
using System.Text.RegularExpressions;

namespace Campus.Storage;

/// <summary>
/// Object keys are built by the service, never taken from the client: <c>{owner}/{random id}{extension}</c>.
/// A user's file name goes into the Content-Disposition of a download (<see cref="IObjectStorage.PresignDownloadAsync"/>),
/// not into the key. The service keeps the key in its own row; the confirm endpoint takes the row's id, not a key.
/// </summary>
public static partial class ObjectKeys
{
    /// <summary>A fresh key under <paramref name="owner"/>, e.g. <c>3f2c…/9b1e….png</c>.</summary>
    public static string New(Guid owner, string extension) => New(owner.ToString(), extension);

    /// <summary>A fresh key under <paramref name="owner"/> (letters, digits, '-' and '_' only: one path segment).</summary>
    /// <param name="owner">The owning user or entity id.</param>
    /// <param name="extension">With the dot (<see cref="FileType.Extension"/>), or empty.</param>
    public static string New(string owner, string extension)
    {
        if (!Segment().IsMatch(owner))
        {
            throw new ArgumentException("The owner must be one key segment of letters, digits, '-' and '_' (1–128 characters).", nameof(owner));
        }
        if (!ExtensionPattern().IsMatch(extension))
        {
            throw new ArgumentException("The extension must be empty or a dot and 1–10 lowercase letters or digits.", nameof(extension));
        }
        return $"{owner}/{Guid.NewGuid():N}{extension}";
    }

    /// <summary>
    /// True for keys this library will work with: 1–1024 UTF-8 bytes, '/'-separated segments that are neither empty
    /// nor '.' or '..', no backslash and no control characters.
    /// </summary>
    public static bool IsSafe(string? key)
    {
        if (string.IsNullOrEmpty(key) || Encoding.UTF8.GetByteCount(key) > 1024 || key.Contains('\\') || key.Any(char.IsControl))
        {
            return false;
        }
        return key.Split('/').All(segment => segment is not ("" or "." or ".."));
    }

    internal static string EnsureSafe(string key) =>
        IsSafe(key) ? key : throw new ArgumentException("The object key is not safe (see ObjectKeys.IsSafe).", nameof(key));

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex Segment();

    [GeneratedRegex("^(\\.[a-z0-9]{1,10})?$")]
    private static partial Regex ExtensionPattern();
}
