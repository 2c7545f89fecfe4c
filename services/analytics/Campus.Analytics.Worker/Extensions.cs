using Campus.Analytics.Reports;
using Campus.Analytics.Worker.Reports;
using Campus.Messaging;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Campus.Analytics.Worker;

internal static class Extensions
{
    /// <summary>The worker's registrations: the analytics database (report requests and the outbox), the report queue, storage, the report writers' warm-up, the sweeper, the schedule firing job.</summary>
    public static void AddAnalyticsWorkerServices(this IHostApplicationBuilder builder)
    {
        // "Reports": { "Concurrency": 1, "MaxAttempts": 3, "LeaseDuration": "00:00:30", "HeartbeatInterval": "00:00:02",
        //              "SweepInterval": "00:00:10", "Retention": "14.00:00:00", "PdfMaxRows": 10000,
        //              "XlsxRowsPerSheet": 1048575, "UploadPartSize": 8388608, "DefaultTimeZone": "Europe/Moscow" }
        // "Schedules": { "PollInterval": "00:00:15", "PauseAfterFailures": 3 }
        builder.AddReportSettings();
        // Prefetch = concurrency = reports made at once: a worker holds no more requests than it runs.
        builder.Services.AddOptions<MessagingOptions>()
            .PostConfigure<IOptions<ReportsOptions>>((messaging, reports) =>
                messaging.Prefetch = messaging.ConsumerConcurrency = reports.Value.Concurrency);

        // The service owns the tables and migrations; the worker's context maps report_requests and the outbox only.
        builder.AddCampusPostgres();
        builder.Services.AddDbContext<ReportsDbContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention());
        builder.AddCampusMessaging(messaging => messaging
            .AddOutbox<ReportsDbContext>()
            .AddSubscription<ReportRequested, ReportHandler>(ReportRequested.Queue));
        builder.AddCampusStorage(StorageBuckets.Reports);

        builder.Services.AddSingleton<ReportGenerator>();
        builder.Services.AddHostedService<ReportWarmUp>();
        builder.Services.AddMetricsAtStart<ReportMetrics>();
        builder.Services.AddSingleton<ReportSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ReportSweeper>());
        builder.Services.AddSingleton<ScheduleFirer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ScheduleFirer>());
    }
}
