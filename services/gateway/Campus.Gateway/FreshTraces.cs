using System.Diagnostics;

namespace Campus.Gateway;

/// <summary>
/// The gateway starts the trace of every request it receives: a client's <c>traceparent</c>, <c>tracestate</c> and
/// <c>baggage</c> are not continued, so no client chooses the trace id that every service's logs, problem details and
/// events will carry (or joins its requests to someone else's trace). Outgoing calls still carry the gateway's own
/// context in W3C form.
/// </summary>
internal sealed class FreshTraces : DistributedContextPropagator
{
    private static readonly DistributedContextPropagator Outgoing = CreateW3CPropagator();

    public override IReadOnlyCollection<string> Fields => Outgoing.Fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
        Outgoing.Inject(activity, carrier, setter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
}
