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

    /// <summary>
    /// Registers an <see cref="NpgsqlDataSource"/> for <c>ConnectionStrings:Database</c> and the <c>postgres</c>
    /// readiness check. Workers that share their service's database use this alone.
    /// </summary>
    public static IHostApplicationBuilder AddCampusPostgres(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(service => service.ServiceType == typeof(NpgsqlDataSource)))
        {
            return builder;
        }

        var connectionString = builder.Configuration.GetRequiredConnectionString(ConnectionName);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString)
        {
            Name = builder.Environment.ApplicationName,
        }.Build());
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Registers <typeparamref name="TContext"/> on the shared data source with snake_case names, its migrations for the
    /// <c>migrate</c> command and, when <c>Database:MigrateOnStart</c> is true (local development), applies them before
    /// the host starts. Production runs <c>migrate</c> as its own step (a Kubernetes job) instead.
    /// </summary>
    public static IHostApplicationBuilder AddCampusDbContext<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        builder.AddCampusPostgres();
        builder.Services.AddDbContext<TContext>((services, options) => options
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

    /// <summary>A connection string that must be set; its absence stops the host at start with the key named.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"The setting 'ConnectionStrings:{name}' is required.")
            : value;
    }
}
