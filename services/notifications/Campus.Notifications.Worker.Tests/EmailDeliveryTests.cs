using Campus.Messaging;
using Campus.Notifications.Data;
using Campus.Notifications.Worker.Delivery;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Notifications.Worker.Tests;

/// <summary>E-mail rows through the real broker and database to a fake SMTP relay.</summary>
public sealed class EmailDeliveryTests(WorkerFactory factory) : IClassFixture<WorkerFactory>
{
    private const string Html = "<p>Hello!</p><p>Open <a href=\"https://campus.test/c/1\">the course</a>.</p>";

    [Fact]
    public async Task Sends_the_mail_with_html_and_text_and_marks_the_row_sent()
    {
        var id = await factory.EnqueueAsync(Channels.Email, "sent@example.test", Html, "New course: Safety");

        var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Sent);

        Assert.Equal(1, row.Attempts);
        Assert.NotNull(row.SentAt);
        Assert.Null(row.NextAttemptAt);
        var mail = Assert.Single(factory.Smtp.Mails, m => m.Recipients.Contains("sent@example.test"));
        Assert.Contains("Subject: New course: Safety", mail.Data);
        Assert.Contains("text/html", mail.Data);
        Assert.Contains("text/plain", mail.Data);
        Assert.Contains("the course (https://campus.test/c/1)", mail.Data);
        // The exporter collects on scrape; the counter may need a moment to show up.
        using var client = factory.CreateClient();
        var counted = false;
        var metrics = "";
        for (var i = 0; i < 20 && !counted; i++)
        {
            metrics = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            counted = metrics.Split('\n').Any(line => line.StartsWith("campus_notifications_deliveries_total{", StringComparison.Ordinal)
                && line.Contains("channel=\"email\"", StringComparison.Ordinal) && line.Contains("outcome=\"sent\"", StringComparison.Ordinal));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.True(counted, string.Join('\n', metrics.Split('\n').Where(l => l.Contains("campus_", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_sent_row_is_never_sent_again_even_by_concurrent_duplicates()
    {
        await factory.StartedAsync();
        var settled = factory.SettledDeliveries;
        var id = await factory.EnqueueAsync(Channels.Email, "once@example.test", Html, "Once");
        // Duplicates racing the first delivery (a re-drive, a redelivery after a lost ack) ...
        await Task.WhenAll(factory.RequestDeliveryAsync(id), factory.RequestDeliveryAsync(id));
        await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Sent);
        // ... and one after it.
        await factory.RequestDeliveryAsync(id);
        await Wait.UntilAsync(() => factory.SettledDeliveries >= settled + 4); // the request, two duplicates and the late one

        Assert.Single(factory.Smtp.Mails, m => m.Recipients.Contains("once@example.test"));
        Assert.Equal(1, (await factory.RowAsync(id)).Attempts);
    }

    [Fact]
    public async Task A_550_recipient_fails_the_row_with_last_error_and_dead_letters_it_and_a_redrive_after_the_fix_sends_it()
    {
        var before = await DeadLetterCountAsync();
        factory.Smtp.RecipientReply = address => address.StartsWith("rejected", StringComparison.Ordinal) ? "550 5.1.1 Mailbox unavailable" : "250 OK";
        try
        {
            var id = await factory.EnqueueAsync(Channels.Email, "rejected@example.test", Html, "Hi");

            var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Failed);
            Assert.Equal(1, row.Attempts);
            Assert.StartsWith("SMTP 550 on RCPT", row.LastError);
            await WaitForDeadLettersAsync(before + 1);
            var letter = (await factory.Services.GetRequiredService<IDeadLetterQueue>().PeekAsync(DeliverNotification.Queue, 100, TestContext.Current.CancellationToken))
                .Single(l => l.Payload.Contains(id.ToString(), StringComparison.Ordinal));
            Assert.Contains("SMTP 550", letter.Error);
            Assert.DoesNotContain(factory.Smtp.Mails, m => m.Recipients.Contains("rejected@example.test"));

            // The mailbox is fixed; the admin re-drives the dead letter.
            factory.Smtp.RecipientReply = _ => "250 OK";
            await factory.Services.GetRequiredService<IDeadLetterQueue>().RedriveAsync(DeliverNotification.Queue, cancellationToken: TestContext.Current.CancellationToken);

            row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Sent);
            Assert.Equal(2, row.Attempts);
            Assert.Single(factory.Smtp.Mails, m => m.Recipients.Contains("rejected@example.test"));
        }
        finally
        {
            factory.Smtp.RecipientReply = _ => "250 OK";
        }
    }

    [Fact]
    public async Task A_recipient_greylisted_on_every_attempt_ends_failed_after_the_last_attempt_and_dead_lettered()
    {
        var before = await DeadLetterCountAsync();
        factory.Smtp.RecipientReply = address => address.StartsWith("grey", StringComparison.Ordinal) ? "451 4.7.1 Try again later" : "250 OK";
        try
        {
            var id = await factory.EnqueueAsync(Channels.Email, "grey@example.test", Html, "Hi");

            var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Failed);

            Assert.Equal(4, row.Attempts);
            Assert.Equal("SMTP 451 on RCPT: 4.7.1 Try again later (gave up after 4 attempts)", row.LastError);
            Assert.Null(row.NextAttemptAt);
            await WaitForDeadLettersAsync(before + 1);
        }
        finally
        {
            factory.Smtp.RecipientReply = _ => "250 OK";
        }
    }

    private async Task<uint> DeadLetterCountAsync()
    {
        await factory.StartedAsync();
        return await factory.DeadLettersAsync();
    }

    private async Task WaitForDeadLettersAsync(uint expected)
    {
        for (var i = 0; i < 100 && await factory.DeadLettersAsync() < expected; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Equal(expected, await factory.DeadLettersAsync());
    }
}

/// <summary>The relay goes away and comes back: nothing is lost, nothing is sent twice.</summary>
public sealed class SmtpOutageTests(PatientWorkerFactory factory) : IClassFixture<PatientWorkerFactory>
{
    [Fact]
    public async Task With_the_relay_down_mails_stay_pending_with_growing_attempts_and_are_sent_once_when_it_is_back()
    {
        await factory.StartedAsync();
        var settled = factory.SettledDeliveries;
        await factory.Smtp.StopAsync();
        var ids = new List<Guid>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                ids.Add(await factory.EnqueueAsync(Channels.Email, $"outage{i}@example.test", "<p>Reset</p>", "Reset"));
            }

            var first = await factory.WaitForRowAsync(ids[0], r => r.Attempts >= 1);
            var later = await factory.WaitForRowAsync(ids[0], r => r.Attempts >= 3);
            Assert.Equal(NotificationStatus.Pending, later.Status);
            Assert.Contains("SocketException", later.LastError);
            Assert.NotNull(later.NextAttemptAt);
            // Growing delays: the gap announced after the third failure is longer than after the first.
            var firstGap = first.NextAttemptAt!.Value - first.CreatedAt;
            Assert.True(later.NextAttemptAt > first.NextAttemptAt);
            Assert.True(firstGap > TimeSpan.Zero);
        }
        finally
        {
            factory.Smtp.Resume();
        }

        var attempts = 0;
        foreach (var id in ids)
        {
            var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Sent, seconds: 20);
            Assert.True(row.Attempts >= 3);
            attempts += row.Attempts;
        }
        // Every attempt was one delivery message (the request, then each retry): all of them acked, none left to send.
        await Wait.UntilAsync(() => factory.SettledDeliveries >= settled + attempts);
        for (var i = 0; i < 3; i++)
        {
            Assert.Single(factory.Smtp.Mails, m => m.Recipients.Contains($"outage{i}@example.test"));
        }
        Assert.Equal(0u, await factory.DeadLettersAsync());
    }
}
