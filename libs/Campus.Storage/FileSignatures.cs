using System.Buffers;
using System.Text;

namespace Campus.Storage;

/// <summary>
/// The file types Campus accepts, each with the magic number its content must start with
/// (see https://en.wikipedia.org/wiki/List_of_file_signatures). The client chooses the Content-Type of an
/// upload, so the bytes are what the service trusts.
/// </summary>
public static class FileSignatures
{
    public static readonly FileType Jpeg = new("image/jpeg", ".jpg", 3, b => b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]));
    public static readonly FileType Png = new("image/png", ".png", 8, b => b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]));
    public static readonly FileType WebP = new("image/webp", ".webp", 12, b => b.StartsWith("RIFF"u8) && b.Length >= 12 && b[8..12].SequenceEqual("WEBP"u8));
    public static readonly FileType Gif = new("image/gif", ".gif", 6, b => b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8));
    public static readonly FileType Pdf = new("application/pdf", ".pdf", 5, b => b.StartsWith("%PDF-"u8));

    /// <summary>ISO base media file: a box size, then the <c>ftyp</c> box type at offset 4.</summary>
    public static readonly FileType Mp4 = new("video/mp4", ".mp4", 8, IsIsoMedia);
    public static readonly FileType QuickTime = new("video/quicktime", ".mov", 8, IsIsoMedia);

    /// <summary>EBML header 1A 45 DF A3 (WebM and Matroska).</summary>
    public static readonly FileType WebM = new("video/webm", ".webm", 4, IsEbml);
    public static readonly FileType Matroska = new("video/x-matroska", ".mkv", 4, IsEbml);

    /// <summary>An ID3v2 tag, or straight away an MPEG audio frame header (11 sync bits, no reserved version/layer).</summary>
    public static readonly FileType Mp3 = new("audio/mpeg", ".mp3", 3, IsMp3);

    /// <summary>Office Open XML files are ZIP archives: local file header PK 03 04.</summary>
    public static readonly FileType Zip = new("application/zip", ".zip", 4, IsZip);
    public static readonly FileType Docx = new("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", 4, IsZip);
    public static readonly FileType Xlsx = new("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", 4, IsZip);
    public static readonly FileType Pptx = new("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", 4, IsZip);

    /// <summary>Text has no magic number: the first 4 KiB must be UTF-8 (BOM optional) without NUL or other binary control bytes.</summary>
    public static readonly FileType PlainText = new("text/plain", ".txt", TextSampleLength, IsText);
    public static readonly FileType Csv = new("text/csv", ".csv", TextSampleLength, IsText);

    public static readonly IReadOnlyList<FileType> Images = [Jpeg, Png, WebP, Gif];
    public static readonly IReadOnlyList<FileType> Videos = [Mp4, QuickTime, WebM, Matroska];
    public static readonly IReadOnlyList<FileType> Audio = [Mp3];
    public static readonly IReadOnlyList<FileType> Documents = [Pdf, Docx, Xlsx, Pptx, PlainText, Csv];
    public static readonly IReadOnlyList<FileType> All = [.. Images, .. Videos, .. Audio, .. Documents, Zip];

    private const int TextSampleLength = 4096;

    /// <summary>The catalogue entry for a content type, or null.</summary>
    public static FileType? Find(string? contentType) => All.FirstOrDefault(type => type.Accepts(contentType));

    private static bool IsIsoMedia(ReadOnlySpan<byte> b) => b.Length >= 8 && b[4..8].SequenceEqual("ftyp"u8);

    private static bool IsEbml(ReadOnlySpan<byte> b) => b.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]);

    private static bool IsZip(ReadOnlySpan<byte> b) => b.StartsWith((ReadOnlySpan<byte>)[(byte)'P', (byte)'K', 0x03, 0x04]);

    private static bool IsMp3(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith("ID3"u8))
        {
            return true;
        }
        // Frame sync: 11 set bits; version bits 01 and layer bits 00 are reserved.
        return b.Length >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x18) != 0x08 && (b[1] & 0x06) != 0;
    }

    private static bool IsText(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            b = b[3..];
        }
        while (!b.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(b, out var rune, out var consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                return true; // the sample may end in the middle of a character
            }
            if (status != OperationStatus.Done || IsBinaryControl(rune.Value))
            {
                return false;
            }
            b = b[consumed..];
        }
        return true;
    }

    // Tab, line feed, vertical tab, form feed, carriage return and escape occur in text; other C0 controls mean binary.
    private static bool IsBinaryControl(int c) => c < 0x20 && c is not (>= 0x09 and <= 0x0D) and not 0x1B;
}
