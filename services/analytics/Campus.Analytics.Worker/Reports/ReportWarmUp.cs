using System.Data;
using System.Diagnostics;
using Campus.Analytics.Reports;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Worker.Reports;

/// <summary>
/// Once at start, does what a report's first run would otherwise pay for — compiling the code on its path and loading
/// the fonts (a fresh worker's first 50-page PDF took 2.4 s, a warmed one's 0.5 s): writes a small learner-progress PDF
/// (three pages, the chart, the page numbers) and XLSX from rows made up in memory, to nowhere, and runs the claim's
/// row lock and lookup on the report requests for an id that does not exist, in a transaction it rolls back. Writes
/// nothing anywhere; a failure is logged and changes nothing else.
/// </summary>
public sealed partial class ReportWarmUp(IServiceScopeFactory scopes, IOptions<ReportsOptions> options, TimeProvider time,
    ILogger<ReportWarmUp> logger) : BackgroundService
{
    /// <summary>Rows of the warm-up PDF: three pages.</summary>
    public const int PdfRows = 80;
    private const int XlsxRows = 2_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting (consumers, health endpoints) first.
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        try
        {
            await WriteAsync(Stream.Null, Stream.Null, TimeZones.Find(null, options.Value.DefaultTimeZone), time.GetUtcNow(), stoppingToken);
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ReportsDbContext>();
                await using var transaction = await db.Database.BeginTransactionAsync(stoppingToken);
                // The lock finds no row, so its second statement (the lookup) is run on its own.
                await db.LockRequestAsync(Guid.Empty, stoppingToken);
                await db.LoadRequestsAsync([Guid.Empty], stoppingToken);
                await transaction.RollbackAsync(stoppingToken);
            }
            LogWarmedUp(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogWarmUpFailed(logger, ex);
        }
    }

    /// <summary>Writes the warm-up's learner-progress PDF to <paramref name="pdf"/> and its XLSX to <paramref name="xlsx"/>.</summary>
    public static async Task WriteAsync(Stream pdf, Stream xlsx, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var definition = ReportCatalog.Find(ReportCatalog.LearnerProgress)!;
        var document = new ReportDocument(definition, "ru", zone, now, DateOnly.FromDateTime(now.UtcDateTime), null, "Отдел", null);
        using (var rows = Rows(definition, PdfRows, now.UtcDateTime).CreateDataReader())
        {
            await PdfReportWriter.WriteAsync(rows, document, pdf, PdfRows, null, cancellationToken);
        }
        using (var rows = Rows(definition, XlsxRows, now.UtcDateTime).CreateDataReader())
        {
            await XlsxReportWriter.WriteAsync(rows, document, xlsx, XlsxRows, null, cancellationToken);
        }
    }

    /// <summary><paramref name="count"/> rows of the definition's column kinds, the values the database would give.</summary>
    private static DataTable Rows(ReportDefinition definition, int count, DateTime now)
    {
        var table = new DataTable();
        foreach (var column in definition.Columns)
        {
            table.Columns.Add(new DataColumn { DataType = ClrType(column.Kind) });
        }
        for (var row = 0; row < count; row++)
        {
            table.Rows.Add([.. definition.Columns.Select(column => Value(column, row, now))]);
        }
        return table;
    }

    private static Type ClrType(ColumnKind kind) => kind switch
    {
        ColumnKind.Integer => typeof(long),
        ColumnKind.Number or ColumnKind.Percent => typeof(double),
        ColumnKind.Date => typeof(DateOnly),
        ColumnKind.DateTime => typeof(DateTime),
        _ => typeof(string),
    };

    private static object Value(ReportColumn column, int row, DateTime now) => column.Kind switch
    {
        ColumnKind.Integer => (long)row,
        ColumnKind.Number => row * 1.5,
        ColumnKind.Percent => row % 101 / 100.0,
        ColumnKind.Date => DateOnly.FromDateTime(now).AddDays(-row),
        ColumnKind.DateTime => now.AddHours(-row),
        ColumnKind.Code => column.Labels?.Keys.ElementAt(row % column.Labels.Count) ?? "",
        _ => $"Слушатель {row} · Learner {row}",
    };

    [LoggerMessage(LogLevel.Information, "Reports warmed up in {Milliseconds:F0} ms: a PDF and an XLSX written to nowhere, the claim's queries run on no row")]
    private static partial void LogWarmedUp(ILogger logger, double milliseconds);

    [LoggerMessage(LogLevel.Warning, "Reports not warmed up: the first report will take longer")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}
