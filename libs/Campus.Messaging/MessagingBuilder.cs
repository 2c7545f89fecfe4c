using System.Text.RegularExpressions;
using Campus.Messaging.Internal;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Campus.Messaging;

/// <summary>Configures what a host consumes and which DbContext's outbox it relays. Returned by <c>AddCampusMessaging</c>.</summary>
public sealed partial class MessagingBuilder
{
    private readonly SubscriptionRegistry _subscriptions;

    internal MessagingBuilder(IHostApplicationBuilder builder, SubscriptionRegistry subscriptions)
    {
        Builder = builder;
        _subscriptions = subscriptions;
    }

    public IHostApplicationBuilder Builder { get; }

    /// <summary>
    /// Consumes <typeparamref name="TEvent"/> from the durable queue <paramref name="queue"/> (prefixed with
    /// <c>Messaging:QueuePrefix</c>), bound to the event's routing key, with its retry and dead-letter queues.
    /// Several events may share a queue (one consumer, one handler per event). <typeparamref name="THandler"/> is
    /// resolved from a new scope per message.
    /// </summary>
    /// <param name="queue">Lowercase, dot-separated, named after the consuming service and purpose, e.g. <c>profile.user-registered</c>.</param>
    public MessagingBuilder AddSubscription<TEvent, THandler>(string queue)
        where TEvent : IntegrationEvent
        where THandler : class, IIntegrationEventHandler<TEvent>
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        if (!QueueName().IsMatch(queue))
        {
            throw new ArgumentException($"Queue name '{queue}' must be lowercase letters, digits, '.', '-' or '_'.", nameof(queue));
        }
        Builder.Services.TryAddScoped<THandler>();
        if (_subscriptions.Add(queue, EventBinding.Create<TEvent, THandler>()))
        {
            // Not AddHostedService: it de-duplicates by implementation type, and there is one consumer per queue.
            Builder.Services.AddSingleton<IHostedService>(services =>
                ActivatorUtilities.CreateInstance<QueueConsumer>(services, _subscriptions.Get(queue)));
        }
        return this;
    }

    /// <summary>
    /// Relays the outbox of <typeparamref name="TContext"/> (whose model calls <c>modelBuilder.AddOutbox()</c>):
    /// a background service publishes rows added with <c>db.AddOutboxMessage(evt)</c>, woken right after the commit.
    /// </summary>
    public MessagingBuilder AddOutbox<TContext>() where TContext : DbContext
    {
        Builder.Services.TryAddSingleton<OutboxSignal>();
        Builder.Services.TryAddSingleton<IOutboxSignal>(services => services.GetRequiredService<OutboxSignal>());
        Builder.Services.TryAddSingleton<OutboxSignalInterceptor>();
        // Composes with the host's own AddDbContext/AddCampusDbContext, whichever runs first.
        Builder.Services.ConfigureDbContext<TContext>((services, db) => db.AddInterceptors(services.GetRequiredService<OutboxSignalInterceptor>()));
        Builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxRelay<TContext>>());
        Builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxMetricsSampler<TContext>>());
        Builder.AddDatabaseTracing();
        return this;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,200}$")]
    private static partial Regex QueueName();
}
