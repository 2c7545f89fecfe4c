namespace Campus.Notifications.Worker.Delivery;

/// <summary>
/// A send that failed, classified by whether trying again can help. The message is safe to store in
/// <c>notifications.last_error</c> and to log: senders build it themselves and never put secrets in it.
/// </summary>
public sealed class DeliveryException : Exception
{
    public DeliveryException(string message, bool isPermanent, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        IsPermanent = isPermanent;
        RetryAfter = retryAfter;
    }

    public DeliveryException() : this("Delivery failed.", isPermanent: false) { }
    public DeliveryException(string message) : this(message, isPermanent: false) { }
    public DeliveryException(string message, Exception innerException) : this(message, isPermanent: false, null, innerException) { }

    /// <summary>The recipient or the message is refused for good (SMTP 5xx on the recipient, Telegram 403).</summary>
    public bool IsPermanent { get; }

    /// <summary>The earliest the third party accepts another try (Telegram's <c>retry_after</c>), when it said so.</summary>
    public TimeSpan? RetryAfter { get; }

    public static DeliveryException Transient(string message, Exception? inner = null, TimeSpan? retryAfter = null) =>
        new(message, isPermanent: false, retryAfter, inner);

    public static DeliveryException Permanent(string message, Exception? inner = null) =>
        new(message, isPermanent: true, null, inner);
}
