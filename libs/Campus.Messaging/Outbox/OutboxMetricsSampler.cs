using System.Data;
using Campus.Messaging.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Campus.Messaging.Outbox;

/// <summary>
/// Samples the outbox backlog of <typeparamref name="TContext"/> every <c>Messaging:MetricsSampleInterval</c> for the
/// <c>campus_outbox_pending</c> and <c>campus_outbox_oldest_pending_age_seconds</c> gauges: one query on the partial
/// index of pending rows, counting at most <see cref="CountCap"/> of them so a huge backlog costs no more than that.
/// A scrape reads the last sample and never touches the database; when the database fails the gauges disappear.
/// </summary>
internal sealed partial class OutboxMetricsSampler<TContext>(
    IServiceScopeFactory scopeFactory,
    MessagingMetrics metrics,
    IOptions<MessagingOptions> options,
    TimeProvider timeProvider,
    ILogger<OutboxMetricsSampler<TContext>> logger) : BackgroundService where TContext : DbContext
{
    /// <summary>The pending count is exact up to this many rows and reads this value beyond.</summary>
    public const int CountCap = 100_000;

    private static readonly string Outbox = typeof(TContext).Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MetricsSampleInterval, timeProvider);
        try
        {
            do
            {
                await SampleAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SampleAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            var connection = db.Database.GetDbConnection();
            if (connection.State != ConnectionState.Open)
            {
                await db.Database.OpenConnectionAsync(stoppingToken);
            }
            await using var command = connection.CreateCommand();
            command.CommandText = Sql(db);
            await using var reader = await command.ExecuteReaderAsync(stoppingToken);
            await reader.ReadAsync(stoppingToken);
            var pending = reader.GetInt64(0);
            var age = reader.IsDBNull(1) ? 0
                : Math.Max(0, (timeProvider.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1)).TotalSeconds);
            metrics.SetOutbox(Outbox, new OutboxSample(pending, age));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogSampleFailed(ex, Outbox);
            metrics.ForgetOutbox(Outbox);
        }
    }

    private static string? _sql;

    private static string Sql(DbContext db) => _sql ??= BuildSql(db);

    private static string BuildSql(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(OutboxMessage))
            ?? throw new InvalidOperationException($"{typeof(TContext).Name} has no outbox: call modelBuilder.AddOutbox() in OnModelCreating.");
        var table = db.GetService<ISqlGenerationHelper>().DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
        return $"SELECT count(*), min(created_at) FROM (SELECT created_at FROM {table} WHERE published_at IS NULL " +
               $"ORDER BY created_at LIMIT {CountCap}) AS pending";
    }

    [LoggerMessage(LogLevel.Debug, "Sampling the outbox backlog of {Context} failed")]
    private partial void LogSampleFailed(Exception exception, string context);
}
