using System.Diagnostics;
using ExcelDataReader;

namespace Campus.Testing;

/// <summary>Reads report files back with tools other than the ones that wrote them (ExcelDataReader, poppler's pdftotext).</summary>
public static class ReportFiles
{
    // ExcelDataReader reads legacy code pages when it opens a workbook; .NET ships them but does not register them.
    static ReportFiles() => System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);

    /// <summary>Every sheet of an XLSX as (name, rows of cell values), by ExcelDataReader.</summary>
    public static List<(string Name, List<object?[]> Rows)> ReadXlsx(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        using var reader = ExcelReaderFactory.CreateOpenXmlReader(stream);
        var sheets = new List<(string, List<object?[]>)>();
        do
        {
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.GetValue(i);
                }
                rows.Add(row);
            }
            sheets.Add((reader.Name, rows));
        }
        while (reader.NextResult());
        return sheets;
    }

    /// <summary>The text of a PDF by poppler's <c>pdftotext</c> (layout kept, so table rows stay on one line).</summary>
    public static async Task<string> PdfTextAsync(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"campus-report-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-layout", "-enc", "UTF-8", path, "-"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("pdftotext did not start (install poppler-utils).");
            var text = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"pdftotext failed: {errors}");
            return text;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static int PdfPages(string text) => text.Split('\f', StringSplitOptions.RemoveEmptyEntries).Count(p => p.Trim().Length > 0);
}
