using Campus.Storage;

namespace Campus.Content.Worker.Transcoding;

/// <summary>
/// The ffmpeg demuxer a source is read with, chosen from its verified type — never from its file name and never by
/// ffmpeg's own probing, which would follow an HLS playlist, a concat list or a <c>file:</c> reference to other files
/// of the worker's disk.
/// </summary>
/// <param name="Demuxer">The ffmpeg input format (<c>-f</c>).</param>
public sealed record SourceFormat(string Demuxer)
{
    /// <summary>ISO base media (MP4, QuickTime); the demuxer ignores external data references unless told otherwise.</summary>
    public static readonly SourceFormat Mov = new("mov");

    /// <summary>Matroska and its WebM subset.</summary>
    public static readonly SourceFormat Matroska = new("matroska");

    /// <summary>The demuxer of a video type of <see cref="FileSignatures.Videos"/>, or null for any other type.</summary>
    public static SourceFormat? Of(FileType type) =>
        type == FileSignatures.Mp4 || type == FileSignatures.QuickTime ? Mov
        : type == FileSignatures.WebM || type == FileSignatures.Matroska ? Matroska
        : null;

    /// <summary>
    /// The input options of ffprobe and ffmpeg for <paramref name="input"/>: the forced format, and only the <c>file</c>
    /// protocol, so the one input is all either tool may open.
    /// </summary>
    public IReadOnlyList<string> InputArguments(string input) => ["-f", Demuxer, "-protocol_whitelist", "file", "-i", input];
}
