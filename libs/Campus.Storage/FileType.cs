namespace Campus.Storage;

/// <summary>Decides from the first bytes of a file whether it really is of a type.</summary>
public delegate bool SignatureMatcher(ReadOnlySpan<byte> firstBytes);

/// <summary>
/// A file type Campus accepts: its media type, the extension object keys get, and how to recognise its content.
/// The catalogue is <see cref="FileSignatures"/>.
/// </summary>
/// <param name="ContentType">Lower-case media type without parameters, e.g. <c>image/png</c>.</param>
/// <param name="Extension">Extension for object keys, with the dot, e.g. <c>.png</c>.</param>
/// <param name="SampleLength">How many first bytes <paramref name="Matcher"/> needs to see.</param>
/// <param name="Matcher">Checks the first bytes (at most <paramref name="SampleLength"/>; fewer when the file is shorter).</param>
public sealed record FileType(string ContentType, string Extension, int SampleLength, SignatureMatcher Matcher)
{
    /// <summary>True when the first bytes of a file carry this type's signature.</summary>
    public bool Matches(ReadOnlySpan<byte> firstBytes) => Matcher(firstBytes);

    /// <summary>True when <paramref name="contentType"/> names this type (case-insensitive, parameters such as charset ignored).</summary>
    public bool Accepts(string? contentType) =>
        contentType is not null && string.Equals(MediaType(contentType), ContentType, StringComparison.OrdinalIgnoreCase);

    internal static string MediaType(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
    }
}
