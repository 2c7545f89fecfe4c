using System.Net.Http.Headers;
using System.Text.Json;
using Campus.Analytics.Data;
using Campus.ServiceDefaults;
using Campus.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Campus.Analytics.Tests;

/// <summary>The analytics host on its own database with a clock the test moves.</summary>
public sealed class FakeClockAnalyticsFactory : CampusHostFactory<Program, AnalyticsDbContext>
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The JWKS key cache stays on the real clock: on a clock that stands still one failed read of the key set (a slow
        // machine) would never be retried, and every token of the test class would be refused with a 401.
        builder.ConfigureServices(services => services
            .AddSingleton<TimeProvider>(Time)
            .Replace(ServiceDescriptor.Singleton(provider => new JwksKeyCache(provider.GetRequiredService<IOptions<JwtOptions>>(),
                TimeProvider.System, provider.GetRequiredService<ILogger<JwksKeyCache>>()))));
    }
}

/// <summary>
/// The dashboard's cache over time: figures answered again within the cache duration, the previous figures while an
/// expired key is recomputed, and never figures older than twice the duration.
/// </summary>
public sealed class DashboardCacheTests(FakeClockAnalyticsFactory factory) : IClassFixture<FakeClockAnalyticsFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Path = "/api/analytics/dashboard?from=2026-05-01&to=2026-05-01";

    /// <summary>The default <c>Analytics:Dashboard:CacheDuration</c>, which this host runs with.</summary>
    private static readonly TimeSpan Duration = new Campus.Analytics.Dashboard.DashboardOptions().CacheDuration;

    [Fact]
    public async Task Expired_figures_are_answered_while_they_are_recomputed_but_never_beyond_twice_the_duration()
    {
        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Jwt.CreateToken(Guid.NewGuid(), "admin"));

        var first = await GetAsync(admin);
        Assert.Equal(0, Enrolments(first));
        await EnrolAsync(1);

        // Within the duration: the same figures.
        factory.Time.Advance(Duration - TimeSpan.FromSeconds(1));
        Assert.Equal(GeneratedAt(first), GeneratedAt(await GetAsync(admin)));

        // Expired: the request that finds it so starts the recomputation; until it is done the previous figures are
        // answered, then the new ones.
        factory.Time.Advance(TimeSpan.FromSeconds(2));
        var refreshed = factory.Time.GetUtcNow();
        var after = await GetAsync(admin);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (GeneratedAt(after) != refreshed)
        {
            Assert.Equal(GeneratedAt(first), GeneratedAt(after));
            Assert.True(DateTime.UtcNow < deadline, "The expired figures were not recomputed within 10 s.");
            await Task.Delay(50, Ct);
            after = await GetAsync(admin);
        }
        Assert.Equal(1, Enrolments(after));

        // Expired for longer than another duration: not answered any more, the request waits for new figures.
        await EnrolAsync(2);
        factory.Time.Advance(Duration * 2 + TimeSpan.FromSeconds(1));
        var late = await GetAsync(admin);
        Assert.Equal(factory.Time.GetUtcNow(), GeneratedAt(late));
        Assert.Equal(2, Enrolments(late));
    }

    private async Task EnrolAsync(int n)
    {
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO enrolments (course_id, user_id, source, enrolled_at, done_materials, total_materials, version)
            VALUES (gen_random_uuid(), gen_random_uuid(), 'self', $1, 0, 4, $1)
            """, connection);
        command.Parameters.AddWithValue(new DateTimeOffset(2026, 5, 1, n, 0, 0, TimeSpan.Zero));
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<JsonElement> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(Path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {Path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static long Enrolments(JsonElement body) => body.GetProperty("enrolments").GetInt64();

    private static DateTimeOffset GeneratedAt(JsonElement body) => body.GetProperty("generated_at").GetDateTimeOffset();
}
