using System.Data.Common;
using Campus.Data;
using Campus.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>PostgreSQL for a Campus host: one database per service, reached through one pooled data source.</summary>
public static class DatabaseExtensions
{
    /// <summary>The connection string every host reads its own database from.</summary>
    public const string ConnectionName = "Database";

    /// <summary>Statements prepared automatically per connection, unless the connection string sets its own.</summary>
    public const int AutoPreparedStatements = 100;

    /// <summary>
    /// Registers an <see cref="NpgsqlDataSource"/> for <c>ConnectionStrings:Database</c>, the <c>postgres</c> readiness
    /// check, its <c>check-dependencies</c> check, the <c>database_unavailable</c> outage and (with detailed tracing) spans
    /// for SQL commands. Workers that share their service's database use this alone.
    /// </summary>
    public static IHostApplicationBuilder AddCampusPostgres(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(service => service.ServiceType == typeof(NpgsqlDataSource)))
        {
            return builder;
        }

        var connectionString = builder.Configuration.GetRequiredConnectionString(ConnectionName);
        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = builder.Environment.ApplicationName };
            // Statements a connection runs often are prepared on it, so PostgreSQL parses and plans them once instead of
            // on every execution (planning cost more than executing the hot queries). A connection string that names
            // "Max Auto Prepare" (0 turns it off) wins.
            if (!Names(connectionString, "MaxAutoPrepare"))
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = AutoPreparedStatements;
            }
            // A connection back in the pool is not reset: by default the next use first runs seven statements (SET SESSION
            // AUTHORIZATION DEFAULT, RESET ALL, CLOSE ALL, UNLISTEN *, pg_advisory_unlock_all(), DISCARD SEQUENCES, DISCARD
            // TEMP) — a fifth of PostgreSQL's CPU per video heartbeat, paid once per connection use. Campus code keeps no
            // session state to reset: no SET outside a transaction, only transaction-scoped advisory locks, no temporary
            // tables, and the one LISTEN (content's course list) leaves its channel before its connection goes back. An open
            // transaction is still rolled back. "No Reset On Close=false" in the connection string brings the reset back.
            if (!Names(connectionString, "NoResetOnClose"))
            {
                dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            }
            return dataSource.Build();
        });
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag]);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyCheck, PostgresDependencyCheck>());
        builder.Services.AddDependencyOutage(DatabaseOutages.Database);
        builder.AddDatabaseTracing();
        return builder;
    }

    /// <summary>
    /// Registers <typeparamref name="TContext"/> (pooled) on the shared data source with snake_case names, its migrations for the
    /// <c>migrate</c> command and, when <c>Database:MigrateOnStart</c> is true (local development), applies them before
    /// the host starts. Production runs <c>migrate</c> as its own step (a Kubernetes job) instead.
    /// </summary>
    public static IHostApplicationBuilder AddCampusDbContext<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        builder.AddCampusPostgres();
        // Pooled: a request rents a context (with its options and EF's internal services) instead of building one; building
        // them per request showed up in request profiles. A context is reset when it goes back to the pool.
        builder.Services.AddDbContextPool<TContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention());
        builder.Services.TryAddSingleton<DbContextMigration<TContext>>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDatabaseMigration, DbContextMigration<TContext>>(
            services => services.GetRequiredService<DbContextMigration<TContext>>()));

        // { "Database": { "MigrateOnStart": false } }
        if (builder.Configuration.GetValue<bool>("Database:MigrateOnStart"))
        {
            builder.Services.AddHostedService<MigrateOnStart<TContext>>();
        }
        return builder;
    }

    /// <summary>
    /// With detailed tracing (<c>Tracing:Detailed</c>), SQL commands are spans too. <c>AddCampusPostgres</c> and the outbox
    /// (<c>AddOutbox</c>, whose host has a database whichever way it registered its context) call this; once is enough.
    /// </summary>
    public static IHostApplicationBuilder AddDatabaseTracing(this IHostApplicationBuilder builder)
    {
        if (ServiceDefaultsExtensions.DetailedTracing(builder.Configuration)
            && !builder.Services.Any(service => service.ServiceType == typeof(DatabaseTracing)))
        {
            builder.Services.AddSingleton<DatabaseTracing>();
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddNpgsql());
        }
        return builder;
    }

    /// <summary>Marks that <see cref="AddDatabaseTracing"/> ran.</summary>
    private sealed class DatabaseTracing;

    // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword exists at all, not whether it was given.
    private static bool Names(string connectionString, string keyword) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase));
}
