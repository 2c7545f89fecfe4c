namespace Campus.ServiceDefaults;

/// <summary>The migrations of one DbContext a host registered (<c>AddCampusDbContext</c>), for <c>migrate</c> and <c>Database:MigrateOnStart</c>.</summary>
public interface IDatabaseMigration
{
    /// <summary>The context's name, e.g. <c>AuthDbContext</c>.</summary>
    string Name { get; }

    /// <summary>Applies the pending migrations (EF Core holds a database lock meanwhile, so replicas and jobs may race safely).</summary>
    Task<MigrationResult> ApplyAsync(CancellationToken cancellationToken);
}

/// <summary>What <see cref="IDatabaseMigration.ApplyAsync"/> did: the migrations it applied, and how many the database has now.</summary>
public sealed record MigrationResult(IReadOnlyList<string> Applied, int Total);

/// <summary>The <c>migrate</c> command: every registered context in turn, one line each.</summary>
internal static class MigrationRunner
{
    public static async Task<int> RunAsync(IEnumerable<IDatabaseMigration> migrations, TextWriter output, CancellationToken cancellationToken)
    {
        var contexts = migrations.DistinctBy(migration => migration.Name).ToList();
        if (contexts.Count == 0)
        {
            await output.WriteLineAsync("migrate: this host has no database of its own (no DbContext); nothing to migrate");
            return 0;
        }

        foreach (var context in contexts)
        {
            try
            {
                var result = await context.ApplyAsync(cancellationToken);
                await output.WriteLineAsync(result.Applied.Count == 0
                    ? $"migrate: {context.Name}: up to date ({result.Total} migrations applied)"
                    : $"migrate: {context.Name}: applied {result.Applied.Count} of {result.Total} migrations: {string.Join(", ", result.Applied)}");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A later context may depend on this one's schema: stop at the first failure.
                await output.WriteLineAsync($"migrate: {context.Name}: FAILED: {DependencyCheckRunner.Describe(ex)}");
                return 1;
            }
        }
        return 0;
    }
}
