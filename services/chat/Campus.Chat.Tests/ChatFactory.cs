using Campus.Chat.Data;
using Campus.Testing;

namespace Campus.Chat.Tests;

/// <summary>
/// The chat service on its own fresh database (built by its migrations) and its own queues, keys and buckets.
/// <see cref="ChatNode"/> starts a second node on the same database, Redis prefix, broker scope and buckets.
/// </summary>
public class ChatFactory : CampusHostFactory<Program, ChatDbContext>
{
    /// <summary>Settings on top of the isolated defaults (e.g. a small <c>Chat:SendQueueSize</c>).</summary>
    public Dictionary<string, string?> Extra { get; init; } = [];

    /// <summary>Everything a second node needs to be a replica of this one.</summary>
    public IReadOnlyDictionary<string, string?> SharedSettings => new Dictionary<string, string?>(Settings);

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            foreach (var (key, value) in Extra)
            {
                settings[key] = value;
            }
            return settings;
        }
    }
}

/// <summary>Another node of the same deployment: all of <see cref="ChatFactory.SharedSettings"/> of the first.</summary>
public sealed class ChatNode(ChatFactory primary) : CampusHostFactory<Program>
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(primary.SharedSettings);
}

/// <summary>Two chat nodes on one database and one Redis prefix, like two replicas behind the gateway.</summary>
public class ChatCluster : IAsyncLifetime
{
    // The per-user post budget out of the way: these suites post in bursts (BudgetAndRevocationTests tests the budget).
    public ChatCluster() : this(new() { ["Chat:MaxPostsPerUser"] = "100000" })
    {
    }

    protected ChatCluster(Dictionary<string, string?> extra)
    {
        A = new ChatFactory { Extra = extra };
        B = new ChatNode(A);
    }

    public ChatFactory A { get; }

    public ChatNode B { get; }

    public TestJwtIssuer Jwt => A.Jwt;

    public async ValueTask InitializeAsync()
    {
        await A.InitializeAsync();
        await B.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
