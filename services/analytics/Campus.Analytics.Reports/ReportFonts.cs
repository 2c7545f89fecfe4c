using System.Reflection;
using PdfSharp.Fonts;

namespace Campus.Analytics.Reports;

/// <summary>
/// The one font of the PDFs: DejaVu Sans (regular and bold), embedded in this assembly (Bitstream Vera licence,
/// <c>Fonts/LICENSE-DejaVu.txt</c>), so Cyrillic renders the same on every machine and in images without fonts.
/// PDFsharp 6 has no font source of its own on Linux; every family name resolves to it.
/// </summary>
public sealed class ReportFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";
    private const string Regular = "DejaVuSans";
    private const string Bold = "DejaVuSans-Bold";
    private static readonly Lock Gate = new();

    /// <summary>Installs the resolver once per process (PDFsharp's setting is global and cannot change after use).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not ReportFonts)
            {
                GlobalFontSettings.FontResolver = new ReportFonts();
            }
        }
    }

    public FontResolverInfo ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
        new(isBold ? Bold : Regular, mustSimulateBold: false, mustSimulateItalic: isItalic);

    public byte[]? GetFont(string faceName)
    {
        var name = faceName == Bold ? Bold : Regular;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Campus.Analytics.Reports.Fonts.{name}.ttf")
            ?? throw new InvalidOperationException($"The embedded font {name}.ttf is missing.");
        // One array of the font's exact size (a growing MemoryStream and its ToArray copy would leave three times that
        // in the large-object heap until the next full collection). PDFsharp asks once per face and keeps it.
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
