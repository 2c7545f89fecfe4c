using Campus.Messaging;
using Campus.Messaging.Internal;
using Campus.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

public static class MessagingExtensions
{
    /// <summary>A request that publishes directly (not through the outbox) while RabbitMQ is down: 503 <c>broker_unavailable</c>.</summary>
    public static readonly DependencyOutage BrokerOutage = new("broker_unavailable", "The message broker is unavailable.",
        exception => exception is BrokerUnavailableException
            or RabbitMQ.Client.Exceptions.AlreadyClosedException
            or RabbitMQ.Client.Exceptions.BrokerUnreachableException);

    /// <summary>
    /// Adds Campus.Messaging: one RabbitMQ connection per process (opened in the background, recovered
    /// automatically), <see cref="IEventPublisher"/>, <see cref="IDeadLetterQueue"/>, consumers and outbox relays
    /// configured through <paramref name="configure"/>, the <c>rabbitmq</c> readiness check and its <c>check-dependencies</c> check.
    /// </summary>
    /// <example><c>builder.AddCampusMessaging(m => m.AddOutbox&lt;AuthDbContext&gt;().AddSubscription&lt;UserRegistered, Handler&gt;("profile.user-registered"));</c></example>
    public static MessagingBuilder AddCampusMessaging(this IHostApplicationBuilder builder, Action<MessagingBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var subscriptions = GetOrAddSubscriptions(services);
        var messaging = new MessagingBuilder(builder, subscriptions);

        if (!services.Any(s => s.ServiceType == typeof(RabbitMqConnection)))
        {
            // "ConnectionStrings": { "RabbitMq": "amqp://guest:guest@127.0.0.1:5673/" },
            // "Messaging": {
            //   "Exchange": "campus.events",       // durable topic exchange of integration events
            //   "Prefetch": 16,                    // 1..1000 unacked deliveries per consumer
            //   "ConsumerConcurrency": 1,          // 1..100 deliveries handled at once per consumer (≤ Prefetch)
            //   "MaxAttempts": 5,                  // 1..30, first delivery included, then <queue>.dlq
            //   "RetryBaseDelay": "00:00:05",      // delay before attempt 2, doubled per attempt ...
            //   "RetryMaxDelay": "00:05:00",       // ... up to this
            //   "QueuePrefix": "",                 // prepended to queue names (test isolation)
            //   "ClientName": null,                // connection name in the management UI (default: application name)
            //   "PublishTimeout": "00:00:10",      // wait for the channel and the confirms of a publish (or a batch)
            //   "OutboxBatchSize": 100,            // rows claimed per relay transaction
            //   "OutboxPollInterval": "00:00:01",  // relay poll when not woken by a commit
            //   "OutboxRetention": "7.00:00:00",   // published rows are deleted after this
            //   "MetricsSampleInterval": "00:00:05" // queue depths and outbox backlog for /metrics
            // }
            services.AddOptions<MessagingOptions>()
                .BindConfiguration(MessagingOptions.Section)
                .Configure(options =>
                {
                    options.ConnectionString = builder.Configuration.GetConnectionString(MessagingOptions.ConnectionStringName);
                    options.ClientName ??= builder.Environment.ApplicationName;
                })
                .ValidateDataAnnotations()
                .Validate(options => !string.IsNullOrWhiteSpace(options.ConnectionString),
                    "ConnectionStrings:RabbitMq is required: an AMQP URI such as amqp://guest:guest@127.0.0.1:5673/.")
                .Validate(options => string.IsNullOrWhiteSpace(options.ConnectionString) || IsAmqpUri(options.ConnectionString),
                    "ConnectionStrings:RabbitMq must be an amqp:// or amqps:// URI.")
                .Validate(options => options.RetryMaxDelay >= options.RetryBaseDelay,
                    "Messaging:RetryMaxDelay must not be shorter than Messaging:RetryBaseDelay.")
                .Validate(options => options.ConsumerConcurrency <= options.Prefetch,
                    "Messaging:ConsumerConcurrency must not exceed Messaging:Prefetch.")
                .ValidateOnStart();

            services.TryAddSingleton(TimeProvider.System);
            services.AddSingleton<MessagingNames>();
            services.AddSingleton<ConsumerProgress>();
            services.AddSingleton<MessagingTopology>();
            services.AddSingleton<RabbitMqConnection>();
            services.AddSingleton<BrokerPublisher>();
            services.AddSingleton<MessagingMetrics>();
            services.AddHostedService<QueueMetricsSampler>();
            services.AddSingleton<IEventPublisher, RabbitMqEventPublisher>();
            services.AddSingleton<IDeadLetterQueue, DeadLetterQueue>();
            services.AddHostedService<RabbitMqConnectionStarter>();
            services.AddHealthChecks().AddCheck<RabbitMqHealthCheck>("rabbitmq", HealthStatus.Unhealthy, ["ready"], TimeSpan.FromSeconds(2));
            services.AddDependencyOutage(BrokerOutage);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyCheck, RabbitMqDependencyCheck>());
        }

        configure?.Invoke(messaging);
        return messaging;
    }

    private static SubscriptionRegistry GetOrAddSubscriptions(IServiceCollection services)
    {
        if (services.FirstOrDefault(s => s.ServiceType == typeof(SubscriptionRegistry))?.ImplementationInstance is SubscriptionRegistry existing)
        {
            return existing;
        }
        var registry = new SubscriptionRegistry();
        services.AddSingleton(registry);
        return registry;
    }

    private static bool IsAmqpUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == "amqp" || uri.Scheme == "amqps");
}
