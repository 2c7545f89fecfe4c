using System.Diagnostics.Metrics;

namespace Campus.Notifications.Worker.Delivery;

/// <summary>
/// Delivery outcomes on the <c>Campus.Notifications.Worker</c> meter (exported as
/// <c>campus_notifications_deliveries_total{channel,outcome}</c> and
/// <c>campus_notifications_send_duration_seconds</c> on <c>/metrics</c>). Never tagged with a recipient.
/// </summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "Campus.Notifications.Worker";

    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _sendDuration;

    public DeliveryMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("campus.notifications.deliveries",
            description: "Delivery attempts by channel and outcome (sent, retry, failed).");
        _sendDuration = meter.CreateHistogram<double>("campus.notifications.send.duration", unit: "s",
            description: "Time of one send to the SMTP relay or the Bot API, by channel.");
        // Every series exists from the start (at 0), so rates and the failure alert see it before the first delivery.
        foreach (var channel in (string[])["email", "telegram"])
        {
            foreach (var outcome in (string[])["sent", "retry", "failed"])
            {
                _deliveries.Add(0, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", outcome));
            }
        }
    }

    /// <summary>Counts one attempt and records how long its send took.</summary>
    /// <param name="channel"><c>email</c> or <c>telegram</c>.</param>
    /// <param name="outcome"><c>sent</c>, <c>retry</c> or <c>failed</c>.</param>
    /// <param name="duration">Time of the send call.</param>
    public void Attempted(string channel, string outcome, TimeSpan duration)
    {
        var channelTag = new KeyValuePair<string, object?>("channel", channel);
        _deliveries.Add(1, channelTag, new KeyValuePair<string, object?>("outcome", outcome));
        _sendDuration.Record(duration.TotalSeconds, channelTag);
    }
}
