using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.Messaging.Tests;

/// <summary>
/// One test's world: its own exchange and queue prefix on the real broker, a started host consuming
/// <see cref="OrderPlaced"/> from the queue <c>orders</c> into a <see cref="Probe"/>, and cleanup of it all.
/// </summary>
public sealed class TestBed : IAsyncDisposable
{
    public const string Queue = "orders";

    private TestBed(RabbitMqTestScope rabbit, Probe probe, IHost host)
    {
        Rabbit = rabbit;
        Probe = probe;
        Host = host;
    }

    public RabbitMqTestScope Rabbit { get; }
    public Probe Probe { get; }
    public IHost Host { get; }

    public IEventPublisher Publisher => Host.Services.GetRequiredService<IEventPublisher>();
    public IDeadLetterQueue DeadLetters => Host.Services.GetRequiredService<IDeadLetterQueue>();
    public ConsumerProgress Consumed => Host.Services.GetRequiredService<ConsumerProgress>();
    public string FullQueueName => Rabbit.QueuePrefix + Queue;

    public static async Task<TestBed> StartAsync(params (string Key, string? Value)[] settings)
    {
        var rabbit = new RabbitMqTestScope();
        await rabbit.InitializeAsync();
        var probe = new Probe();
        try
        {
            var host = await MessagingTestHost.StartAsync(rabbit.Settings().With(settings),
                messaging => messaging.AddSubscription<OrderPlaced, ProbeHandler<OrderPlaced>>(Queue),
                services => services.AddSingleton(probe));
            await host.WaitForRabbitMqAsync();
            return new TestBed(rabbit, probe, host);
        }
        catch
        {
            await rabbit.DisposeAsync();
            throw;
        }
    }

    public Task<uint> DeadLetterCountAsync() => DeadLetters.CountAsync(Queue, TestContext.Current.CancellationToken);

    public Task WaitForDeadLettersAsync(uint count) =>
        Eventually.WaitForAsync(DeadLetterCountAsync, c => c == count, TimeSpan.FromSeconds(15), $"{count} message(s) in the DLQ");

    public async ValueTask DisposeAsync()
    {
        await Host.StopAndDisposeAsync();
        await Rabbit.DisposeAsync();
    }
}
