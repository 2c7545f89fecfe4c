using Campus.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campus.Data;

/// <summary>
/// Applies the context's migrations before the server starts listening (development only: see
/// <c>Database:MigrateOnStart</c>). EF Core takes a database lock, so replicas starting together are safe.
/// Production runs the image's <c>migrate</c> command as its own step instead (see <see cref="HostCommands"/>).
/// </summary>
internal sealed partial class MigrateOnStart<TContext>(DbContextMigration<TContext> migration, ILogger<MigrateOnStart<TContext>> logger)
    : IHostedLifecycleService where TContext : DbContext
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var result = await migration.ApplyAsync(cancellationToken);
        if (result.Applied.Count > 0)
        {
            LogMigrated(logger, migration.Name, result.Applied.Count);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s) to the {Context} database")]
    private static partial void LogMigrated(ILogger logger, string context, int count);
}
