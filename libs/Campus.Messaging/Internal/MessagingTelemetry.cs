using System.Diagnostics;
using System.Text;

namespace Campus.Messaging.Internal;

/// <summary>Activities for publish/consume and W3C trace context (traceparent/tracestate) in AMQP headers.</summary>
internal static class MessagingTelemetry
{
    /// <summary>Add this source to the tracer (<c>AddSource("Campus.Messaging")</c>) to export messaging spans.</summary>
    public const string SourceName = "Campus.Messaging";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Writes the trace context of <paramref name="activity"/> (or the current one) into <paramref name="headers"/>.</summary>
    public static void Inject(Activity? activity, IDictionary<string, object?> headers)
    {
        activity ??= Activity.Current;
        if (activity is null)
        {
            return;
        }
        DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, key, value) =>
        {
            if (carrier is IDictionary<string, object?> target)
            {
                target[key] = value;
            }
        });
    }

    /// <summary>The current trace context as plain strings, for storing with an outbox row.</summary>
    public static Dictionary<string, string> CaptureCurrent()
    {
        var context = new Dictionary<string, string>();
        if (Activity.Current is { } activity)
        {
            DistributedContextPropagator.Current.Inject(activity, context, static (carrier, key, value) =>
            {
                if (carrier is Dictionary<string, string> target)
                {
                    target[key] = value;
                }
            });
        }
        return context;
    }

    public static ActivityContext Extract(IDictionary<string, object?>? headers)
    {
        if (headers is null)
        {
            return default;
        }
        DistributedContextPropagator.Current.ExtractTraceIdAndState(headers, static (carrier, name, out value, out values) =>
        {
            values = null;
            value = carrier is IDictionary<string, object?> source && source.TryGetValue(name, out var raw)
                ? raw switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => null }
                : null;
        }, out var traceParent, out var traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    public static Activity? StartPublish(string exchange, string routingKey, string? messageId, ActivityContext parent = default)
    {
        var activity = Source.StartActivity($"{routingKey} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", exchange);
        activity?.SetTag("messaging.rabbitmq.destination.routing_key", routingKey);
        activity?.SetTag("messaging.message.id", messageId);
        return activity;
    }

    public static Activity? StartProcess(string queue, string routingKey, string? messageId, int attempt, ActivityContext parent)
    {
        var activity = Source.StartActivity($"{queue} process", ActivityKind.Consumer, parent);
        if (activity is null && parent != default)
        {
            // Nobody samples our source (no tracer configured): still continue the trace, so the handler's logs and
            // anything it publishes carry the publisher's trace id.
            activity = new Activity($"{queue} process").SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start();
        }
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.rabbitmq.destination.routing_key", routingKey);
        activity?.SetTag("messaging.message.id", messageId);
        activity?.SetTag("messaging.campus.attempt", attempt);
        return activity;
    }
}
