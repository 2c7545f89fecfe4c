using System.Diagnostics;
using Campus.Messaging;
using Campus.Notifications.Data;
using Campus.Notifications.Worker.Delivery;
using Campus.Notifications.Worker.Tests.Fakes;
using Campus.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Campus.Notifications.Worker.Tests;

/// <summary>
/// The delivery worker on its own fresh notifications database and queues, sending to a fake SMTP relay and a fake
/// Bot API (the only fakes: they stand in for third parties). Retry delays are short so a class takes seconds.
/// </summary>
public class WorkerFactory : CampusHostFactory<Program, NotificationsDbContext>
{
    public FakeSmtpServer Smtp { get; } = FakeSmtpServer.Start();

    public FakeTelegramApi Telegram { get; private set; } = null!;

    /// <summary>Everything the host logged, at every level.</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
    }

    /// <summary>Deliveries of one message before it is dead-lettered.</summary>
    protected virtual int MaxAttempts => 4;

    protected virtual bool PollTelegram => false;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Messaging:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Messaging:RetryBaseDelay"] = "00:00:00.200";
            settings["Messaging:RetryMaxDelay"] = "00:00:01";
            settings["Smtp:Host"] = "127.0.0.1";
            settings["Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Smtp:Security"] = "None";
            settings["Smtp:FromAddress"] = "no-reply@campus.test";
            settings["Smtp:Timeout"] = "00:00:05";
            settings["Telegram:BaseUrl"] = Telegram.BaseUrl;
            settings["Telegram:BotToken"] = FakeTelegramApi.Token;
            settings["Telegram:PollUpdates"] = PollTelegram ? "true" : "false";
            settings["Telegram:PollTimeout"] = "00:00:01";
            settings["Telegram:PollErrorDelay"] = "00:00:00.100";
            return settings;
        }
    }

    public override async ValueTask InitializeAsync()
    {
        Telegram = await FakeTelegramApi.StartAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
        await Telegram.DisposeAsync();
    }

    public string DeliveryQueue => Broker.QueuePrefix + DeliverNotification.Queue;

    /// <summary>Starts the host and waits until it is ready (queues declared, broker connected).</summary>
    public Task StartedAsync() => WaitUntilReadyAsync();

    /// <summary>Writes a pending notification row, as the service does, and requests its delivery.</summary>
    public async Task<Guid> EnqueueAsync(string channel, string recipient, string body, string? subject = null)
    {
        await StartedAsync();
        var notification = new Notification
        {
            UserId = Guid.NewGuid(),
            TypeKey = NotificationTypes.CoursePublished,
            Channel = channel,
            Recipient = recipient,
            Subject = subject,
            Body = body,
            CreatedAt = DateTimeOffset.UtcNow,
            IdempotencyKey = Guid.NewGuid().ToString(),
        };
        await using (var db = Database.CreateContext())
        {
            db.Notifications.Add(notification);
            await db.SaveChangesAsync();
        }
        await RequestDeliveryAsync(notification.Id);
        return notification.Id;
    }

    public Task RequestDeliveryAsync(Guid id) =>
        Services.GetRequiredService<IEventPublisher>().PublishAsync(new DeliveryRequested(id));

    public async Task<Notification> RowAsync(Guid id)
    {
        await using var db = Database.CreateContext();
        return await db.Notifications.FindAsync(id) ?? throw new InvalidOperationException($"No notification {id}.");
    }

    /// <summary>Polls the row until <paramref name="condition"/> holds; fails with the row's last state otherwise.</summary>
    public async Task<Notification> WaitForRowAsync(Guid id, Func<Notification, bool> condition, int seconds = 15)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var row = await RowAsync(id);
            if (condition(row))
            {
                return row;
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"Row never reached the expected state: status={row.Status} attempts={row.Attempts} last_error={row.LastError}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The delivery requests the worker's consumer has acked so far.</summary>
    public long SettledDeliveries => Services.GetRequiredService<ConsumerProgress>().Settled(DeliverNotification.Queue);

    public Task<uint> DeadLettersAsync() => Services.GetRequiredService<IDeadLetterQueue>().CountAsync(DeliverNotification.Queue);

    /// <summary>A queue of the test's own bound to the test exchange, to see what the worker publishes.</summary>
    public async Task<BrokerProbe> BindProbeAsync(string routingKey)
    {
        await StartedAsync();
        return await BrokerProbe.BindAsync(Broker, routingKey);
    }
}

/// <summary>More attempts, so the relay can be down for a while before a mail gives up.</summary>
public sealed class PatientWorkerFactory : WorkerFactory
{
    protected override int MaxAttempts => 10;
}

/// <summary>Polls the fake Bot API for /start links.</summary>
public sealed class PollingWorkerFactory : WorkerFactory
{
    protected override bool PollTelegram => true;
}
