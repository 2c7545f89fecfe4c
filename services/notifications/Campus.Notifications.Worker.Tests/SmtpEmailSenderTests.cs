using Campus.Notifications.Worker.Delivery;
using Campus.Notifications.Worker.Email;
using Campus.Notifications.Worker.Tests.Fakes;
using MailKit.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Worker.Tests;

/// <summary>The SMTP sender against a fake relay: what is sent, and how each refusal is classified.</summary>
public sealed class SmtpEmailSenderTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeSmtpServer _smtp = FakeSmtpServer.Start();
    private SmtpEmailSender _sender = null!;

    public ValueTask InitializeAsync()
    {
        _sender = new SmtpEmailSender(Options.Create(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = _smtp.Port,
            Security = SecureSocketOptions.None,
            FromAddress = "no-reply@campus.test",
            FromName = "Campus",
            Timeout = TimeSpan.FromSeconds(5),
        }), NullLogger<SmtpEmailSender>.Instance);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _sender.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Sends_a_plain_text_mail_from_the_configured_address()
    {
        await _sender.SendAsync(new EmailMessage("ann@example.test", "Confirm your e-mail", "Open https://campus.test/confirm?token=abc"), Ct);

        var mail = Assert.Single(_smtp.Mails);
        Assert.Equal("no-reply@campus.test", mail.From);
        Assert.Equal(["ann@example.test"], mail.Recipients);
        Assert.Contains("Subject: Confirm your e-mail", mail.Data);
        Assert.Contains("https://campus.test/confirm?token=abc", mail.Data);
    }

    [Fact]
    public async Task Reuses_the_connection_and_survives_a_relay_restart_between_mails()
    {
        await _sender.SendAsync(new EmailMessage("a@example.test", "1", "one"), Ct);
        await _smtp.StopAsync();
        _smtp.Resume();

        // The pooled connection is dead now; the sender notices and sends on a new one instead of failing.
        await _sender.SendAsync(new EmailMessage("b@example.test", "2", "two"), Ct);

        Assert.Equal(2, _smtp.Mails.Count);
    }

    [Fact]
    public async Task A_550_on_the_recipient_is_permanent()
    {
        _smtp.RecipientReply = _ => "550 5.1.1 No such user";

        var ex = await Assert.ThrowsAsync<DeliveryException>(() => _sender.SendAsync(new EmailMessage("ghost@example.test", "s", "b"), Ct));

        Assert.True(ex.IsPermanent);
        Assert.StartsWith("SMTP 550 on RCPT", ex.Message);
        Assert.Contains("No such user", ex.Message);
        Assert.Empty(_smtp.Mails);
    }

    [Fact]
    public async Task A_451_on_the_recipient_is_transient()
    {
        _smtp.RecipientReply = _ => "451 4.7.1 Greylisted, try later";

        var ex = await Assert.ThrowsAsync<DeliveryException>(() => _sender.SendAsync(new EmailMessage("grey@example.test", "s", "b"), Ct));

        Assert.False(ex.IsPermanent);
        Assert.StartsWith("SMTP 451 on RCPT", ex.Message);
    }

    [Fact]
    public async Task A_relay_that_is_down_is_transient()
    {
        await _smtp.StopAsync();

        var ex = await Assert.ThrowsAsync<DeliveryException>(() => _sender.SendAsync(new EmailMessage("a@example.test", "s", "b"), Ct));

        Assert.False(ex.IsPermanent);
        Assert.StartsWith($"SMTP 127.0.0.1:{_smtp.Port}: SocketException", ex.Message);
    }

    [Fact]
    public async Task An_unparsable_recipient_is_permanent()
    {
        var ex = await Assert.ThrowsAsync<DeliveryException>(() => _sender.SendAsync(new EmailMessage("not an address", "s", "b"), Ct));

        Assert.True(ex.IsPermanent);
    }
}
