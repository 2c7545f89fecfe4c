using Campus.Notifications.Worker.Delivery;

namespace Campus.Notifications.Worker.Email;

/// <summary>An e-mail ready to go: the body is already rendered.</summary>
public sealed record EmailMessage(string To, string? Subject, string TextBody, string? HtmlBody = null);

/// <summary>Sends e-mail; failures are <see cref="DeliveryException"/>s classified as transient or permanent.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}
