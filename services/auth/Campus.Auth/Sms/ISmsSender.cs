namespace Campus.Auth.Sms;

/// <summary>Sends one text message. Development stores it in the dev outbox; production calls the SMS provider.</summary>
public interface ISmsSender
{
    /// <exception cref="SmsDeliveryException">The provider refused the message or could not be reached.</exception>
    Task SendAsync(string phone, string text, CancellationToken ct);
}

/// <summary>The SMS provider refused a message or stayed unreachable after retries. The message never holds the text.</summary>
public sealed class SmsDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
