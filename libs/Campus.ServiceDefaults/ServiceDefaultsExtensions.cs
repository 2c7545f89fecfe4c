using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

namespace Microsoft.Extensions.Hosting;

// STUB (foundation skeleton): replaced by the real library.
public static class ServiceDefaultsExtensions
{
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder) => builder;
    public static WebApplication MapDefaultEndpoints(this WebApplication app) => app;
    public static IHostApplicationBuilder AddCampusPostgres(this IHostApplicationBuilder builder) => builder;
    public static IHostApplicationBuilder AddCampusDbContext<TContext>(this IHostApplicationBuilder builder) where TContext : DbContext => builder;
    public static IHostApplicationBuilder AddCampusRedis(this IHostApplicationBuilder builder) => builder;
}
