using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Campus.Testing;

/// <summary>
/// Runs a Campus host in-process against the real local servers, isolated from every other test class:
/// its own database (when <see cref="DatabaseName"/> is set), queue prefix and exchange, Redis key prefix,
/// bucket prefix, and a <see cref="TestJwtIssuer"/> whose tokens it trusts.
/// </summary>
public class CampusHostFactory<TProgram> : WebApplicationFactory<TProgram>, IAsyncLifetime where TProgram : class
{
    private readonly string _redisPrefix = TestInfrastructure.UniqueName("t") + ":";

    public TestJwtIssuer Jwt { get; } = new();

    public RabbitMqTestScope Broker { get; } = new();

    public S3TestBuckets Buckets { get; } = new();

    /// <summary>The database the host connects to; <c>postgres</c> unless a derived fixture creates its own.</summary>
    protected virtual string DatabaseName => "postgres";

    /// <summary>The settings the host starts with; derived fixtures add their own.</summary>
    protected virtual IDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Database"] = TestInfrastructure.PostgresConnectionString(DatabaseName),
                ["ConnectionStrings:Redis"] = TestInfrastructure.RedisConnectionString,
                ["Redis:KeyPrefix"] = _redisPrefix,
                ["Database:MigrateOnStart"] = "false",
            };
            foreach (var (key, value) in Jwt.Settings.Concat(Broker.Settings()).Concat(Buckets.Settings))
            {
                settings[key] = value;
            }
            return settings;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddFilter("Microsoft", LogLevel.Warning));
        // Every response of a service host is checked against its committed contract (libs/contracts/<service>.json).
        builder.ConfigureServices(services => services.AddSingleton(ContractCheck.StartupFilter()));
    }

    /// <summary>
    /// Starts the host and waits until its <c>/readyz</c> answers 200 <c>Healthy</c>: every dependency connected, soft
    /// ones included (200 <c>Degraded</c> is not enough), its queues declared (the broker connection counts as up only
    /// after its topology), so what a test publishes is neither refused nor unrouted.
    /// </summary>
    public async Task WaitUntilReadyAsync(int seconds = 20)
    {
        using var client = CreateClient();
        var body = "";
        await Wait.UntilAsync(async () =>
        {
            using var response = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
            body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode && Readyz.OverallStatus(body) == "Healthy";
        }, seconds, () => $"The host was not ready within {seconds} s: {body}");
    }

    /// <summary>
    /// Publishes an event to the host's exchange once the host is ready (so its queues are bound and the event reaches
    /// its consumers): <paramref name="evt"/> is JSON text, or an object serialized as written (snake_case property names
    /// in the test, as Campus.Messaging writes them).
    /// </summary>
    public async Task PublishAsync(string routingKey, object evt, string? messageId = null)
    {
        await WaitUntilReadyAsync();
        await RabbitMqTestScope.PublishRawAsync(Broker.Exchange, routingKey, evt as string ?? JsonSerializer.Serialize(evt), messageId);
    }

    public virtual async ValueTask InitializeAsync()
    {
        await Broker.InitializeAsync();
        await Buckets.InitializeAsync();
        await Jwt.InitializeAsync();
    }

    /// <summary>Stops the host, then removes what it left on the servers: queues, exchanges, buckets.</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Jwt.DisposeAsync();
        await Broker.DisposeAsync();
        await Buckets.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A <see cref="CampusHostFactory{TProgram}"/> on a fresh database built by the service's migrations.</summary>
public class CampusHostFactory<TProgram, TContext> : CampusHostFactory<TProgram>
    where TProgram : class
    where TContext : DbContext
{
    public PostgresTestDatabase<TContext> Database { get; } = new();

    /// <summary>Fails a chosen commit of the host's <typeparamref name="TContext"/> on request (does nothing until armed).</summary>
    public CommitFailures Commits { get; } = new();

    protected override string DatabaseName => Database.Name;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.ConfigureDbContext<TContext>(options => options.AddInterceptors(Commits)));
    }

    public override async ValueTask InitializeAsync()
    {
        await Database.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Database.DisposeAsync();
    }
}
