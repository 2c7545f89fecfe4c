using System.Security.Claims;
using Campus.Analytics.Data;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Reports;

/// <summary>What asking for a report's file came to; the API maps it to a status and a problem code.</summary>
public abstract record ReportDownloadResult
{
    /// <summary>The file's presigned URL, its expiry and the name it downloads as.</summary>
    public sealed record Ready(ReportDownload Download) : ReportDownloadResult;
    /// <summary>No such report the caller may read.</summary>
    public sealed record NotFound : ReportDownloadResult;
    /// <summary>The file was deleted after its retention period.</summary>
    public sealed record Expired : ReportDownloadResult;
    /// <summary>The report is in <paramref name="State"/>, not ready.</summary>
    public sealed record NotReady(string State) : ReportDownloadResult;
}

/// <summary>
/// Downloading a report the caller requested or a schedule sent them: a presigned URL of its file, valid for
/// <see cref="ReportsOptions.DownloadUrlExpiry"/>, once the report is ready and until its retention ends.
/// </summary>
public sealed class ReportDownloading(AnalyticsDbContext db, IObjectStorage storage, IOptions<ReportsOptions> options, TimeProvider time)
{
    /// <summary>The download of report <paramref name="id"/>.</summary>
    /// <param name="id">The report request.</param>
    /// <param name="principal">The caller.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<ReportDownloadResult> DownloadAsync(Guid id, ClaimsPrincipal principal, CancellationToken ct)
    {
        var request = await ReportsApi.Visible(db, principal).FirstOrDefaultAsync(r => r.Id == id, ct);
        if (request is null)
        {
            return new ReportDownloadResult.NotFound();
        }
        if (request.State == ReportStates.Expired || (request.State == ReportStates.Ready && request.ExpiresAt <= time.GetUtcNow()))
        {
            return new ReportDownloadResult.Expired();
        }
        if (request.State != ReportStates.Ready || request.ObjectKey is null)
        {
            return new ReportDownloadResult.NotReady(request.State);
        }
        var presigned = await storage.PresignDownloadAsync(StorageBuckets.Reports, request.ObjectKey, request.FileName, options.Value.DownloadUrlExpiry);
        return new ReportDownloadResult.Ready(new ReportDownload(presigned.Url, presigned.ExpiresAt, request.FileName!));
    }
}
