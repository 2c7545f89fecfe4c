using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Campus.Storage;

/// <summary>Logical bucket names passed to <c>AddCampusStorage</c>, collected across calls.</summary>
internal sealed class StorageBucketList
{
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Maps logical bucket names to physical ones and tracks whether they exist: the initializer marks them
/// ensured, the readiness check marks them lost when one disappears (e.g. a wiped s3rver), which wakes the initializer.
/// </summary>
internal sealed partial class BucketRegistry
{
    private readonly Dictionary<string, string> physical;
    private readonly Lock gate = new();
    private TaskCompletionSource lost = NewSignal();
    private volatile bool ensured;

    public BucketRegistry(IOptions<StorageOptions> options, IOptions<StorageBucketList> buckets)
    {
        physical = buckets.Value.Names.ToDictionary(name => name, name => options.Value.BucketPrefix + name, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> PhysicalNames => physical.Values;

    public bool Ensured => ensured;

    /// <summary>The physical name of a registered bucket.</summary>
    public string Resolve(string bucket) => physical.TryGetValue(bucket, out var name)
        ? name
        : throw new InvalidOperationException($"Bucket '{bucket}' is not registered: pass it to builder.AddCampusStorage(...).");

    public void MarkEnsured()
    {
        lock (gate)
        {
            ensured = true;
            if (lost.Task.IsCompleted)
            {
                lost = NewSignal();
            }
        }
    }

    public void MarkLost()
    {
        lock (gate)
        {
            ensured = false;
            lost.TrySetResult();
        }
    }

    /// <summary>Completes when <see cref="MarkLost"/> is called after the last <see cref="MarkEnsured"/>.</summary>
    public Task WaitUntilLostAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return lost.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Checks a logical name: with any prefix of up to 30 characters the result is a valid S3 bucket name.</summary>
    public static void Validate(string bucket)
    {
        if (!LogicalName().IsMatch(bucket))
        {
            throw new ArgumentException($"Bucket name '{bucket}' must be 3–33 characters: lowercase letters, digits and inner hyphens.", nameof(bucket));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,31}[a-z0-9]$")]
    private static partial Regex LogicalName();
}
