using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campus.ServiceDefaults;

/// <summary>
/// Commands every host accepts as its first argument instead of serving (<c>dotnet Campus.Auth.dll migrate</c>, or the
/// image's entrypoint with args <c>["migrate"]</c>):
/// <list type="bullet">
/// <item><c>migrate</c>: applies the migrations of every DbContext the host registered and exits 0 (a host without one
/// says so and exits 0); exits 1 on the first failure.</item>
/// <item><c>check-dependencies</c>: checks what the host is configured for (PostgreSQL <c>SELECT 1</c>, Redis <c>PING</c>,
/// a RabbitMQ message through a temporary queue, an S3 object written and read through presigned URLs and deleted),
/// one line each; exits 1 when any failed.</item>
/// </list>
/// The host builds its services exactly as for serving (configuration, options validated at start) but starts no server
/// and no background service: every <see cref="IHostedService"/> is left out. Output is plain lines on standard output;
/// logs (JSON) only at Error and above.
/// </summary>
public static class HostCommands
{
    public const string Migrate = "migrate";
    public const string CheckDependencies = "check-dependencies";

    /// <summary>The command named by the first argument, or null when the host should serve.</summary>
    public static string? FromArguments(IReadOnlyList<string> args) =>
        args.Count > 0 && args[0] is Migrate or CheckDependencies ? args[0] : null;

    /// <summary>Runs a command on a built host's services; returns the process exit code.</summary>
    public static Task<int> RunAsync(IServiceProvider services, string command, TextWriter output, CancellationToken cancellationToken) =>
        command switch
        {
            Migrate => MigrationRunner.RunAsync(services.GetServices<IDatabaseMigration>(), output, cancellationToken),
            CheckDependencies => DependencyCheckRunner.RunAsync(services.GetServices<IDependencyCheck>(), output, cancellationToken),
            _ => throw new ArgumentException($"Unknown command '{command}'.", nameof(command)),
        };

    /// <summary>
    /// Makes the host run <paramref name="command"/> instead of serving: the service provider factory drops every hosted
    /// service (Kestrel's included) once all registrations are in, and adds the one that runs the command and stops.
    /// </summary>
    internal static void UseCommand(this IHostApplicationBuilder builder, string command, ServiceProviderOptions options)
    {
        builder.ConfigureContainer(new CommandServiceProviderFactory(command, options));
        // The command's own lines are the output, with the reason of a failure; logs only for errors besides. Not EF Core's
        // connection errors either: a database that does not exist yet is one, before `migrate` creates it.
        builder.Services.PostConfigure<LoggerFilterOptions>(filter =>
        {
            filter.Rules.Clear();
            filter.MinLevel = LogLevel.Error;
            filter.Rules.Add(new LoggerFilterRule(null, "Microsoft.EntityFrameworkCore.Database", LogLevel.None, null));
        });
    }

    private sealed class CommandServiceProviderFactory(string command, ServiceProviderOptions options) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            services.RemoveAll<IHostedService>();
            services.AddSingleton(new CommandRunner.Request(command));
            services.AddHostedService<CommandRunner>();
            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => containerBuilder.BuildServiceProvider(options);
    }

    private sealed class CommandRunner(CommandRunner.Request request, IServiceProvider services, IHostApplicationLifetime lifetime) : IHostedService
    {
        public sealed record Request(string Command);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            Environment.ExitCode = await RunAsync(services, request.Command, Console.Out, lifetime.ApplicationStopping);
            lifetime.StopApplication();
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
