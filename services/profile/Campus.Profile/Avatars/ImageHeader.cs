using System.Buffers.Binary;

namespace Campus.Profile.Avatars;

/// <summary>
/// Width and height from a PNG or JPEG header, read by hand: enough to refuse a file that carries the right magic
/// bytes but is no image, without an image library (and its native decoders) in the service.
/// </summary>
public static class ImageHeader
{
    /// <summary>Bytes read from the start of an upload: JPEG puts EXIF/ICC segments (up to 64 KiB each) before SOF.</summary>
    public const int SampleLength = 256 * 1024;

    /// <summary>The image's dimensions, or null when the header is not a well-formed PNG/JPEG header.</summary>
    public static (int Width, int Height)? Read(ReadOnlySpan<byte> bytes, string contentType) => contentType switch
    {
        "image/png" => Png(bytes),
        "image/jpeg" => Jpeg(bytes),
        _ => null,
    };

    // PNG: 8-byte signature, then the IHDR chunk: length (13), "IHDR", width, height (big-endian).
    private static (int, int)? Png(ReadOnlySpan<byte> b)
    {
        if (b.Length < 24 || BinaryPrimitives.ReadUInt32BigEndian(b[8..]) != 13 || !b[12..16].SequenceEqual("IHDR"u8))
        {
            return null;
        }
        return ((int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(b[16..]), int.MaxValue),
            (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(b[20..]), int.MaxValue));
    }

    // JPEG: SOI, then segments FF xx [length BE incl. itself]; a SOFn (C0–CF except C4 DHT, C8 JPG, CC DAC) holds
    // precision (1 byte), height, width (2 bytes each, big-endian).
    private static (int, int)? Jpeg(ReadOnlySpan<byte> b)
    {
        var i = 2;
        while (i + 4 <= b.Length)
        {
            if (b[i] != 0xFF)
            {
                return null;
            }
            var marker = b[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length
                continue;
            }
            if (marker is 0xD9 or 0xDA)
            {
                return null; // end of image or start of scan before any frame header
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[(i + 2)..]);
            if (length < 2)
            {
                return null;
            }
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                return i + 9 <= b.Length
                    ? (BinaryPrimitives.ReadUInt16BigEndian(b[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(i + 5)..]))
                    : null;
            }
            i += 2 + length;
        }
        return null;
    }
}
