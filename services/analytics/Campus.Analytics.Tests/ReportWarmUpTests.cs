extern alias worker;
using Campus.Testing;
using worker::Campus.Analytics.Worker.Reports;

namespace Campus.Analytics.Tests;

/// <summary>The worker's warm-up at start: the report writers' whole path, from made-up rows.</summary>
public sealed class ReportWarmUpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_warm_up_writes_a_three_page_pdf_and_an_xlsx_of_every_row()
    {
        using var pdf = new MemoryStream();
        using var xlsx = new MemoryStream();
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow");

        await ReportWarmUp.WriteAsync(pdf, xlsx, zone, new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero), Ct);

        var text = await ReportFiles.PdfTextAsync(pdf.ToArray());
        Assert.Equal(3, ReportFiles.PdfPages(text));
        Assert.Contains("Прогресс слушателей", text);
        Assert.Contains($"Слушатель {ReportWarmUp.PdfRows - 1}", text);
        // The rows' sheet (a header row, then the rows), then the parameters' sheet.
        var sheet = ReportFiles.ReadXlsx(xlsx.ToArray())[0];
        Assert.Equal(2_001, sheet.Rows.Count);
        Assert.Equal("Слушатель 1999 · Learner 1999", sheet.Rows[^1][0]);
    }
}
