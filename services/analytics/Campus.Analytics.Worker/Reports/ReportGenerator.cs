using System.Data;
using Campus.Analytics.Reports;
using Campus.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Campus.Analytics.Worker.Reports;

/// <summary>A report that cannot be made whatever the retries (unknown type): the request fails at once.</summary>
public sealed class ReportException(string message) : Exception(message);

/// <summary>What a finished run wrote.</summary>
public sealed record GeneratedReport(string FileName, long SizeBytes, long Rows, bool Truncated);

/// <summary>
/// Runs a request's query on the analytics database and streams its rows into the file in S3: an XLSX through a
/// multipart upload part by part, a PDF (at most <c>Reports:PdfMaxRows</c> rows) built in memory and PUT. The count
/// and the rows are read in one read-only repeatable-read transaction, so the progress matches the file.
/// </summary>
public sealed class ReportGenerator(NpgsqlDataSource dataSource, IObjectStorage storage, IOptions<ReportsOptions> options, TimeProvider time)
{
    private readonly ReportsOptions _options = options.Value;

    /// <param name="request">The claimed request; <see cref="ReportRequest.ObjectKey"/> is where the file goes.</param>
    /// <param name="uploadStarted">Called with the multipart upload id before any part is written (to record it).</param>
    /// <param name="progress">Called with (rows written, rows expected) as the file grows.</param>
    /// <param name="cancellationToken">Cancels the run; an unfinished upload is aborted.</param>
    public async Task<GeneratedReport> RunAsync(ReportRequest request, Func<string, Task> uploadStarted, Action<long, long> progress,
        CancellationToken cancellationToken)
    {
        var definition = ReportCatalog.Find(request.Type) ?? throw new ReportException($"Unknown report type '{request.Type}'.");
        var zone = TimeZones.Find(request.TimeZone, _options.DefaultTimeZone);
        var key = request.ObjectKey ?? throw new InvalidOperationException("The request has no object key.");
        var generatedAt = time.GetUtcNow();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
        }

        string? courseTitle = null;
        if (request.Params.CourseId is { } courseId)
        {
            await using var course = new NpgsqlCommand("SELECT title FROM courses WHERE course_id = @id", connection, transaction);
            course.Parameters.AddWithValue("id", courseId);
            courseTitle = await course.ExecuteScalarAsync(cancellationToken) as string ?? courseId.ToString();
        }

        long expected;
        await using (var count = Command(definition.CountSql, connection, transaction, request, zone, generatedAt))
        {
            expected = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        var format = request.Format;
        progress(0, expected);

        var document = new ReportDocument(definition, request.Locale, zone, generatedAt, request.Params.From, request.Params.To, request.Params.Department, courseTitle);
        var fileName = ReportDocument.FileName(definition, request.Locale, request.Params.Department, generatedAt, zone, format);
        await using var query = Command(definition.Sql, connection, transaction, request, zone, generatedAt);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);

        if (format == ReportFormats.Pdf)
        {
            using var buffer = new MemoryStream();
            var (rows, truncated) = await PdfReportWriter.WriteAsync(reader, document, buffer, _options.PdfMaxRows, done => progress(done, expected), cancellationToken);
            buffer.Position = 0;
            await storage.PutAsync(StorageBuckets.Reports, key, buffer, ReportFormats.ContentType(format), cancellationToken);
            return new GeneratedReport(fileName, buffer.Length, rows, truncated);
        }

        await using var upload = await storage.OpenUploadStreamAsync(StorageBuckets.Reports, key, ReportFormats.ContentType(format),
            _options.UploadPartSize, cancellationToken);
        try
        {
            await uploadStarted(upload.UploadId);
            var written = await XlsxReportWriter.WriteAsync(reader, document, upload, _options.XlsxRowsPerSheet, done => progress(done, expected),
                cancellationToken);
            // SpreadCheetah never closes the stream: the upload is completed here, explicitly.
            var size = await upload.CompleteAsync(cancellationToken);
            return new GeneratedReport(fileName, size, written, false);
        }
        catch
        {
            await upload.AbortAsync(CancellationToken.None);
            throw;
        }
    }

    private static NpgsqlCommand Command(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, ReportRequest request,
        TimeZoneInfo zone, DateTimeOffset now)
    {
        var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)StartOf(request.Params.From, zone) ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)StartOf(request.Params.To?.AddDays(1), zone) ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("from_day", NpgsqlDbType.Date) { Value = (object?)request.Params.From ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("to_day", NpgsqlDbType.Date) { Value = (object?)request.Params.To ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("department", NpgsqlDbType.Text) { Value = (object?)request.Params.Department ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("course", NpgsqlDbType.Uuid) { Value = (object?)request.Params.CourseId ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now.UtcDateTime });
        parameters.Add(new NpgsqlParameter("zone", NpgsqlDbType.Text) { Value = zone.Id });
        return command;
    }

    /// <summary>Midnight of <paramref name="day"/> in <paramref name="zone"/>, as UTC.</summary>
    internal static DateTime? StartOf(DateOnly? day, TimeZoneInfo zone)
    {
        if (day is null)
        {
            return null;
        }
        var local = day.Value.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A midnight skipped by a DST change starts the day an hour later.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
