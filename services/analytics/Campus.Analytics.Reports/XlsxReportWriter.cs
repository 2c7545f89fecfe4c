using System.Data.Common;
using System.Drawing;
using SpreadCheetah;
using SpreadCheetah.Styling;
using SpreadCheetah.Worksheets;

namespace Campus.Analytics.Reports;

/// <summary>
/// Streams the rows of a report's query into an XLSX (SpreadCheetah): one row read, one row written, nothing kept.
/// Typed cells (numbers, percentages, dates in the requester's zone), a bold frozen header with an autofilter, column
/// widths from the catalog; a sheet holds <c>rowsPerSheet</c> data rows and the export goes on in the next one
/// ("Данные (2)", …). A last sheet "Параметры" holds the title, parameters, generated-at and row count.
/// </summary>
public static class XlsxReportWriter
{
    /// <summary>Writes the whole file to <paramref name="output"/> (left open) and answers the data rows written.</summary>
    public static async Task<long> WriteAsync(DbDataReader reader, ReportDocument document, Stream output, int rowsPerSheet,
        Action<long>? onRows, CancellationToken cancellationToken)
    {
        var options = new SpreadCheetahOptions { CompressionLevel = SpreadCheetahCompressionLevel.Fastest, BufferSize = 64 * 1024 };
        await using var spreadsheet = await Spreadsheet.CreateNewAsync(output, options, cancellationToken);
        var columns = document.Definition.Columns;

        var headerStyle = new Style();
        headerStyle.Font.Bold = true;
        headerStyle.Fill.Color = Color.FromArgb(0xFF, 0xDD, 0xE6, 0xF0);
        var header = spreadsheet.AddStyle(headerStyle);
        var date = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom("dd.mm.yyyy") });
        var dateTime = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom("dd.mm.yyyy hh:mm") });
        var percent = spreadsheet.AddStyle(new Style { Format = NumberFormat.Standard(StandardNumberFormat.Percent) });
        var number = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom("0.0") });
        var bold = spreadsheet.AddStyle(new Style { Font = { Bold = true } });

        var headerCells = columns.Select(c => new Cell(document.T(c.Header), header)).ToArray();
        var cells = new Cell[columns.Count];
        var lastColumn = ColumnLetter(columns.Count);
        long rows = 0;
        var sheets = 0;
        var sheetRows = 0;

        async Task StartSheetAsync()
        {
            sheets++;
            var sheet = new WorksheetOptions
            {
                FrozenRows = 1, // The whole sheet's height: the row count of this sheet is not known when it starts.
                AutoFilter = new AutoFilterOptions($"A1:{lastColumn}{rowsPerSheet + 1}")
            };
            for (var i = 0; i < columns.Count; i++)
            {
                sheet.Column(i + 1).Width = columns[i].Width;
            }
            var name = sheets == 1 ? document.T(ReportTexts.Data) : $"{document.T(ReportTexts.Data)} ({sheets})";
            await spreadsheet.StartWorksheetAsync(name, sheet, cancellationToken);
            await spreadsheet.AddRowAsync(headerCells, cancellationToken);
            sheetRows = 0;
        }

        await StartSheetAsync();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (sheetRows == rowsPerSheet)
            {
                await StartSheetAsync();
            }
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = CellOf(reader, i, columns[i], document, date, dateTime, percent, number);
            }
            await spreadsheet.AddRowAsync(cells, cancellationToken);
            rows++;
            sheetRows++;
            if ((rows & 1023) == 0)
            {
                onRows?.Invoke(rows);
            }
        }
        onRows?.Invoke(rows);

        var info = new WorksheetOptions();
        info.Column(1).Width = 22;
        info.Column(2).Width = 60;
        await spreadsheet.StartWorksheetAsync(document.T(ReportTexts.Parameters), info, cancellationToken);
        await spreadsheet.AddRowAsync([new Cell(document.Title, bold)], cancellationToken);
        foreach (var (label, value) in document.Parameters)
        {
            await spreadsheet.AddRowAsync([new Cell(label), new Cell(value)], cancellationToken);
        }
        await spreadsheet.AddRowAsync([new Cell(document.T(ReportTexts.Rows)), new Cell(rows)], cancellationToken);
        await spreadsheet.FinishAsync(cancellationToken);
        return rows;
    }

    private static Cell CellOf(DbDataReader reader, int i, ReportColumn column, ReportDocument document,
        StyleId date, StyleId dateTime, StyleId percent, StyleId number)
    {
        if (reader.IsDBNull(i))
        {
            return new Cell((string?)null);
        }
        return column.Kind switch
        {
            ColumnKind.Integer => new Cell(reader.GetInt64(i)),
            ColumnKind.Number => new Cell(Math.Round(reader.GetDouble(i), 1), number),
            ColumnKind.Percent => new Cell(reader.GetDouble(i), percent),
            ColumnKind.Date => new Cell(reader.GetFieldValue<DateOnly>(i).ToDateTime(TimeOnly.MinValue), date),
            ColumnKind.DateTime => new Cell(document.ToLocal(reader.GetFieldValue<DateTime>(i)), dateTime),
            ColumnKind.Code => new Cell(column.Label(reader.GetString(i), document.Locale)),
            _ => new Cell(reader.GetString(i)),
        };
    }

    /// <summary>1 → A, 27 → AA.</summary>
    internal static string ColumnLetter(int number)
    {
        var letters = "";
        while (number > 0)
        {
            var remainder = (number - 1) % 26;
            letters = (char)('A' + remainder) + letters;
            number = (number - 1) / 26;
        }
        return letters;
    }
}
