using Campus.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Data;

/// <summary>The migrations of <typeparamref name="TContext"/>, for the <c>migrate</c> command and <c>Database:MigrateOnStart</c>.</summary>
internal sealed class DbContextMigration<TContext>(IServiceScopeFactory scopes) : IDatabaseMigration where TContext : DbContext
{
    public string Name => typeof(TContext).Name;

    public async Task<MigrationResult> ApplyAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        var total = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Count();
        return new MigrationResult(pending, total);
    }
}
