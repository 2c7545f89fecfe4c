using System.Globalization;
using System.Text;

namespace Campus.Messaging.Internal;

/// <summary>AMQP header names the library writes, and typed reads of header values.</summary>
internal static class MessageHeaders
{
    public const string Attempt = "x-attempt";
    public const string OriginalRoutingKey = "x-original-routing-key";
    public const string Error = "x-error";
    public const string FailedAt = "x-failed-at";
    public const string Attempts = "x-attempts";
    public const string RedrivenAt = "x-redriven-at";

    /// <summary>Headers the broker adds when it dead-letters; a republished copy must not carry them.</summary>
    private static readonly string[] BrokerDeathHeaders =
        ["x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
         "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason"];

    public static string? GetString(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            null => null,
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        } : null;

    public static int? GetInt(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            int i => i,
            long l => (int)l,
            short s => s,
            byte b => b,
            byte[] bytes when int.TryParse(Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        } : null;

    /// <summary>A writable copy of <paramref name="headers"/> without the broker's dead-letter bookkeeping.</summary>
    public static Dictionary<string, object?> CopyForRepublish(IDictionary<string, object?>? headers)
    {
        var copy = headers is null ? [] : new Dictionary<string, object?>(headers);
        foreach (var name in BrokerDeathHeaders)
        {
            copy.Remove(name);
        }
        return copy;
    }

    public static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    /// <summary>Exception type and message, short enough for a header; no stack trace.</summary>
    public static string Describe(Exception exception) =>
        Truncate($"{exception.GetType().FullName}: {exception.Message}", 1000);
}
