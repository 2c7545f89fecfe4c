using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Campus.Messaging;

/// <summary>
/// Base of every integration event: a past-tense fact (<c>UserRegistered</c>) with a unique <see cref="Id"/>
/// (also the AMQP message id, so consumers dedupe by it), its <see cref="Type"/> and when it happened.
/// Declare the routing key on the concrete record with <see cref="RoutingKeyAttribute"/>.
/// </summary>
/// <example>
/// <code>
/// [RoutingKey("auth.user.registered")]
/// public sealed record UserRegistered(Guid UserId, string Email) : IntegrationEvent;
/// </code>
/// On the wire: <c>{"id":"…","type":"auth.user.registered","occurred_at":"…","user_id":"…","email":"…"}</c>.
/// </example>
public abstract record IntegrationEvent
{
    [JsonPropertyOrder(-3)]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The event's name on the wire: its routing key. Stable across services, unlike CLR type names.</summary>
    [JsonPropertyOrder(-2)]
    public string Type => RoutingKeyAttribute.Of(GetType());

    /// <summary>
    /// When it happened. Left unset, the outbox (or the publisher) stamps it with the host's <see cref="TimeProvider"/> as
    /// the event is written; a message that arrives without it reads as published at its AMQP timestamp (or received now).
    /// </summary>
    [JsonPropertyOrder(-1)]
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>This event, with <see cref="OccurredAt"/> set to <paramref name="now"/> unless it was set already.</summary>
    internal IntegrationEvent OccurredNowUnlessSet(DateTimeOffset now) => OccurredAt == default ? this with { OccurredAt = now } : this;
}

/// <summary>
/// The routing key of an integration event, <c>&lt;service&gt;.&lt;entity&gt;.&lt;past-tense verb&gt;</c>.
/// It is also the event's <c>type</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed partial class RoutingKeyAttribute(string routingKey) : Attribute
{
    private static readonly ConcurrentDictionary<Type, string> Cache = new();

    public string RoutingKey { get; } = routingKey;

    /// <summary>The routing key declared on <paramref name="eventType"/>; throws when it is missing or malformed.</summary>
    public static string Of(Type eventType) => Cache.GetOrAdd(eventType, static type =>
    {
        var key = type.GetCustomAttribute<RoutingKeyAttribute>()?.RoutingKey
            ?? throw new InvalidOperationException($"Integration event {type.Name} has no [RoutingKey(\"service.entity.verb\")] attribute.");
        return RoutingKeyShape().IsMatch(key)
            ? key
            : throw new InvalidOperationException(
                $"Routing key '{key}' of {type.Name} must look like service.entity.past_tense_verb (lowercase, dot-separated, no wildcards).");
    });

    [GeneratedRegex(@"^[a-z0-9_]+(\.[a-z0-9_]+){2,}$")]
    private static partial Regex RoutingKeyShape();
}
