using System.Data.Common;
using System.Globalization;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Campus.Analytics.Reports;

/// <summary>
/// A report as a PDF (PDFsharp 6, A4 landscape, DejaVu Sans for Cyrillic): the title, the parameters and when it was
/// generated (in the requester's zone), the table with its header row repeated on every page, page numbers "N of M",
/// and a bar chart summarising the rows. It shows at most <c>maxRows</c> rows; when the query has more it stops showing
/// them there, says how many there are and to order the XLSX, and still summarises every row in the chart.
/// </summary>
public static class PdfReportWriter
{
    private const double Margin = 36;
    private const double RowHeight = 14;
    private const double FooterHeight = 18;
    private const int ChartBars = 10;

    private static readonly XColor Accent = XColor.FromArgb(0x2F, 0x5D, 0x8A);
    private static readonly XBrush HeaderFill = new XSolidBrush(XColor.FromArgb(0xDD, 0xE6, 0xF0));
    private static readonly XBrush StripeFill = new XSolidBrush(XColor.FromArgb(0xF5, 0xF7, 0xFA));
    private static readonly XBrush BarFill = new XSolidBrush(Accent);
    private static readonly XPen GridPen = new(XColor.FromArgb(0xC8, 0xD0, 0xDA), 0.5);

    /// <summary>
    /// Writes the PDF to <paramref name="output"/> (left open); answers the rows shown and whether it stopped at the limit.
    /// <paramref name="onRows"/> hears the rows read so far, those read past the limit for the summary included.
    /// </summary>
    public static async Task<(long Rows, bool Truncated)> WriteAsync(DbDataReader reader, ReportDocument document, Stream output, int maxRows,
        Action<long>? onRows, CancellationToken cancellationToken)
    {
        ReportFonts.Install();
        var options = new XPdfFontOptions(PdfFontEncoding.Unicode);
        var titleFont = new XFont(ReportFonts.Family, 16, XFontStyleEx.Bold, options);
        var textFont = new XFont(ReportFonts.Family, 9, XFontStyleEx.Regular, options);
        var labelFont = new XFont(ReportFonts.Family, 9, XFontStyleEx.Bold, options);
        var headerFont = new XFont(ReportFonts.Family, 7.5, XFontStyleEx.Bold, options);
        var cellFont = new XFont(ReportFonts.Family, 7.5, XFontStyleEx.Regular, options);

        using var pdf = new PdfDocument();
        pdf.Info.Title = document.Title;
        pdf.Info.Creator = "Campus";
        var definition = document.Definition;
        var columns = definition.Columns;

        PdfPage page = null!;
        XGraphics graphics = null!;
        double y = 0;
        double width = 0, height = 0;
        void NewPage()
        {
            graphics?.Dispose();
            page = pdf.AddPage();
            page.Size = PageSize.A4;
            page.Orientation = PageOrientation.Landscape;
            width = page.Width.Point;
            height = page.Height.Point;
            graphics = XGraphics.FromPdfPage(page);
            y = Margin;
        }

        NewPage();
        graphics.DrawString(document.Title, titleFont, new XSolidBrush(Accent), new XRect(Margin, y, width - 2 * Margin, 22), XStringFormats.TopLeft);
        y += 28;
        foreach (var (label, value) in document.Parameters)
        {
            graphics.DrawString(label + ":", labelFont, XBrushes.Black, new XRect(Margin, y, 110, 12), XStringFormats.TopLeft);
            graphics.DrawString(value, textFont, XBrushes.Black, new XRect(Margin + 115, y, width - 2 * Margin - 115, 12), XStringFormats.TopLeft);
            y += 13;
        }
        y += 8;

        var usable = width - 2 * Margin;
        var total = columns.Sum(c => c.Width);
        var widths = columns.Select(c => usable * c.Width / total).ToArray();
        var rightAligned = columns.Select(c => c.Kind is ColumnKind.Integer or ColumnKind.Number or ColumnKind.Percent).ToArray();

        void DrawRow(IReadOnlyList<string> texts, XFont font, XBrush? fill)
        {
            if (fill is not null)
            {
                graphics.DrawRectangle(fill, Margin, y, usable, RowHeight);
            }
            var x = Margin;
            for (var i = 0; i < texts.Count; i++)
            {
                var text = Fit(graphics, texts[i], font, widths[i] - 6);
                var rect = new XRect(x + 3, y, widths[i] - 6, RowHeight);
                graphics.DrawString(text, font, XBrushes.Black, rect, rightAligned[i] && fill != HeaderFill ? XStringFormats.CenterRight : XStringFormats.CenterLeft);
                x += widths[i];
            }
            graphics.DrawLine(GridPen, Margin, y + RowHeight, Margin + usable, y + RowHeight);
            y += RowHeight;
        }

        var headers = columns.Select(c => document.T(c.Header)).ToArray();
        DrawRow(headers, headerFont, HeaderFill);

        var chart = new Dictionary<string, double>(StringComparer.Ordinal);
        var texts = new string[columns.Count];
        long rows = 0, read = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            // Past the limit a row is not drawn, only counted: the summary covers the whole query.
            if (rows < maxRows)
            {
                if (y + RowHeight > height - Margin - FooterHeight)
                {
                    NewPage();
                    DrawRow(headers, headerFont, HeaderFill);
                }
                for (var i = 0; i < texts.Length; i++)
                {
                    texts[i] = document.TextOf(reader, i);
                }
                DrawRow(texts, cellFont, rows % 2 == 1 ? StripeFill : null);
                rows++;
            }
            else
            {
                texts[definition.Chart.CategoryColumn] = document.TextOf(reader, definition.Chart.CategoryColumn);
            }
            Count(chart, reader, document, definition.Chart, texts);
            read++;
            if ((read & 255) == 0)
            {
                onRows?.Invoke(read);
            }
        }
        onRows?.Invoke(read);
        var truncated = read > rows;

        var notes = new List<string>();
        if (rows == 0)
        {
            notes.Add(document.T(ReportTexts.NoRows));
        }
        if (truncated)
        {
            notes.Add(string.Format(CultureInfo.InvariantCulture, document.T(ReportTexts.Truncated), Thousands(maxRows), Thousands(read)));
        }
        foreach (var note in notes)
        {
            if (y + 30 > height - Margin - FooterHeight)
            {
                NewPage();
            }
            y += 8;
            graphics.DrawString(note, labelFont, XBrushes.DarkRed, new XRect(Margin, y, usable, 14), XStringFormats.TopLeft);
            y += 14;
        }

        if (chart.Count > 0)
        {
            DrawChart();
        }
        graphics.Dispose();

        void DrawChart()
        {
            var bars = chart.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(ChartBars).ToList();
            if (chart.Count > ChartBars)
            {
                bars.Add(new(document.T(ReportTexts.Other), chart.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Skip(ChartBars).Sum(p => p.Value)));
            }
            const double barHeight = 16;
            var needed = 40 + bars.Count * (barHeight + 4);
            if (y + needed > height - Margin - FooterHeight)
            {
                NewPage();
            }
            y += 16;
            graphics.DrawString($"{document.T(ReportTexts.Summary)}: {document.T(definition.Chart.Title)}", labelFont, new XSolidBrush(Accent),
                new XRect(Margin, y, usable, 14), XStringFormats.TopLeft);
            y += 22;
            const double labelWidth = 220;
            const double valueWidth = 70;
            var barArea = usable - labelWidth - valueWidth;
            var max = Math.Max(bars.Max(b => b.Value), 1e-9);
            foreach (var (label, value) in bars)
            {
                graphics.DrawString(Fit(graphics, label, cellFont, labelWidth - 8), cellFont, XBrushes.Black,
                    new XRect(Margin, y, labelWidth - 8, barHeight), XStringFormats.CenterRight);
                var length = Math.Max(barArea * value / max, value > 0 ? 1 : 0);
                graphics.DrawRectangle(BarFill, Margin + labelWidth, y + 2, length, barHeight - 4);
                graphics.DrawString(Thousands(value), cellFont, XBrushes.Black,
                    new XRect(Margin + labelWidth + length + 4, y, valueWidth, barHeight), XStringFormats.CenterLeft);
                y += barHeight + 4;
            }
        }

        // Page numbers last: the page count is known only now.
        for (var i = 0; i < pdf.PageCount; i++)
        {
            var numbered = pdf.Pages[i];
            using var footer = XGraphics.FromPdfPage(numbered, XGraphicsPdfPageOptions.Append);
            var text = string.Format(CultureInfo.InvariantCulture, document.T(ReportTexts.Page), i + 1, pdf.PageCount);
            footer.DrawString(text, cellFont, XBrushes.Gray,
                new XRect(Margin, numbered.Height.Point - Margin, numbered.Width.Point - 2 * Margin, 12), XStringFormats.CenterRight);
            footer.DrawString(document.Title, cellFont, XBrushes.Gray,
                new XRect(Margin, numbered.Height.Point - Margin, numbered.Width.Point - 2 * Margin, 12), XStringFormats.CenterLeft);
        }
        pdf.Save(output, closeStream: false);
        return (rows, truncated);
    }

    /// <summary>A number as the files show it: a space between thousands, at most two decimals.</summary>
    private static string Thousands(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture).Replace(',', ' ');

    private static void Count(Dictionary<string, double> chart, DbDataReader reader, ReportDocument document, ReportChart spec, string[] texts)
    {
        var category = texts[spec.CategoryColumn];
        if (category.Length == 0)
        {
            category = document.T(ReportTexts.Empty);
        }
        double value = 1;
        if (spec.ValueColumn is { } column)
        {
            value = reader.IsDBNull(column) ? 0 : document.Definition.Columns[column].Kind == ColumnKind.Integer
                ? reader.GetInt64(column)
                : reader.GetDouble(column);
        }
        if (chart.Count < 100_000 || chart.ContainsKey(category))
        {
            chart[category] = chart.GetValueOrDefault(category) + value;
        }
    }

    /// <summary>The text, shortened with an ellipsis until it fits <paramref name="width"/>.</summary>
    private static string Fit(XGraphics graphics, string text, XFont font, double width)
    {
        if (text.Length == 0 || graphics.MeasureString(text, font).Width <= width)
        {
            return text;
        }
        var low = 0;
        var high = text.Length;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (graphics.MeasureString(text[..middle] + "…", font).Width <= width)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }
        return text[..low] + "…";
    }
}
