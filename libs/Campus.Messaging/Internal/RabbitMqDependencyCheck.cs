using System.Security.Cryptography;
using Campus.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Campus.Messaging.Internal;

/// <summary>
/// <c>check-dependencies</c> for RabbitMQ: on a connection of its own, declares a server-named exclusive, auto-delete
/// queue, publishes a random message to it through the default exchange with a publisher confirm, and consumes it
/// back. The queue disappears with the connection; nothing else is declared.
/// </summary>
internal sealed class RabbitMqDependencyCheck(IOptions<MessagingOptions> options, IHostEnvironment environment) : IDependencyCheck
{
    private static readonly CreateChannelOptions ConfirmedChannel =
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    private Uri? Address => options.Value.ConnectionString is { Length: > 0 } value && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        ? uri
        : null;

    public string Name => "rabbitmq";

    // Scheme, host, port and virtual host: the user info (with the password) is left out.
    public string? Target => Address is { } uri ? $"{uri.Scheme}://{uri.Host}:{uri.Port}{uri.AbsolutePath}" : "ConnectionStrings:RabbitMq (not set)";

    public IEnumerable<string> Secrets =>
        Address?.UserInfo.Split(':', 2) is [_, var password] ? [password, Uri.UnescapeDataString(password)] : [];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = Address ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not an AMQP URI."),
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        await using var connection = await factory.CreateConnectionAsync($"{environment.ApplicationName}:check-dependencies", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(ConfirmedChannel, cancellationToken);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);

        var sent = RandomNumberGenerator.GetBytes(16);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            received.TrySetResult(delivery.Body.ToArray());
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken);
        // Confirmed and mandatory: a nack or an unroutable message throws here.
        await channel.BasicPublishAsync("", queue.QueueName, mandatory: true, new BasicProperties(), sent, cancellationToken);
        var body = await received.Task.WaitAsync(cancellationToken);
        return body.AsSpan().SequenceEqual(sent)
            ? "published (confirmed) and consumed a message on a temporary queue"
            : throw new InvalidOperationException("The message consumed differs from the one published.");
    }
}
