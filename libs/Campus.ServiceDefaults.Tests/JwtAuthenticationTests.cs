using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Campus.ServiceDefaults.Tests;

public sealed class JwtAuthenticationTests(TestJwtIssuer issuer) : IClassFixture<TestJwtIssuer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TestApp> StartAsync() => TestApp.StartAsync(
        settings: issuer.Settings.ToDictionary(),
        configure: builder => builder.AddDefaultAuthentication(),
        map: app =>
        {
            app.MapGet("/me", (ClaimsPrincipal user) => new
            {
                Id = user.Identity!.Name,
                Student = user.IsInRole("student"),
                Admin = user.IsInRole("admin"),
            }).RequireAuthorization();
            app.MapGet("/admin", () => "ok").RequireAuthorization(policy => policy.RequireRole("admin"));
        });

    [Fact]
    public async Task Missing_token_is_a_401_problem_with_a_bearer_challenge()
    {
        await using var app = await StartAsync();

        var response = await app.Client.GetAsync("/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"code\":\"unauthorized\"", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Valid_token_is_accepted_and_space_separated_roles_become_roles()
    {
        await using var app = await StartAsync();
        var userId = Guid.NewGuid();

        var me = await app.Client.SendAsync(app.Get("/me", issuer.CreateToken(userId, roles: "student admin")), Ct);
        var admin = await app.Client.SendAsync(app.Get("/admin", issuer.CreateToken(userId, roles: "student admin")), Ct);

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal($"{{\"id\":\"{userId}\",\"student\":true,\"admin\":true}}", await me.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task Missing_role_is_a_403_problem()
    {
        await using var app = await StartAsync();

        var response = await app.Client.SendAsync(app.Get("/admin", issuer.CreateToken(roles: "student author")), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("\"code\":\"forbidden\"", await response.Content.ReadAsStringAsync(Ct));
    }

    public static TheoryData<string> BadTokens => ["wrong-audience", "wrong-issuer", "expired", "not-yet-valid", "unpublished-key", "sub-not-a-user-id", "garbage"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Bad_token_is_a_401(string kind)
    {
        await using var app = await StartAsync();
        var token = kind switch
        {
            "wrong-audience" => issuer.CreateToken(audience: "someone-else"),
            "wrong-issuer" => issuer.CreateToken(issuer: "https://evil.example"),
            "expired" => issuer.CreateToken(notBefore: DateTime.UtcNow.AddHours(-2), lifetime: TimeSpan.FromHours(1)),
            "not-yet-valid" => issuer.CreateToken(notBefore: DateTime.UtcNow.AddMinutes(10), lifetime: TimeSpan.FromHours(1)),
            "unpublished-key" => issuer.CreateToken(signingKey: TestJwtIssuer.UnpublishedKey()),
            "sub-not-a-user-id" => issuer.CreateToken(subject: "admin"),
            _ => "not.a.jwt",
        };

        var response = await app.Client.SendAsync(app.Get("/me", token), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Token_signed_with_a_newly_published_key_is_accepted_on_its_first_request()
    {
        // Own issuer: rotating the shared fixture's key would race the other tests of this class.
        await using var rotating = await StartIssuerAsync();
        await using var app = await StartAsync(rotating);
        var oldToken = rotating.CreateToken();
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", oldToken), Ct)).StatusCode);
        var readsBefore = rotating.JwksRequests;

        rotating.RotateKey();
        var first = await app.Client.SendAsync(app.Get("/me", rotating.CreateToken()), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(readsBefore + 1, rotating.JwksRequests);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", oldToken), Ct)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_first_tokens_of_a_new_key_are_all_accepted_with_one_jwks_read()
    {
        await using var rotating = await StartIssuerAsync();
        await using var app = await StartAsync(rotating);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", rotating.CreateToken()), Ct)).StatusCode);
        var readsBefore = rotating.JwksRequests;

        rotating.RotateKey();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => app.Client.SendAsync(app.Get("/me", rotating.CreateToken()), Ct)));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(readsBefore + 1, rotating.JwksRequests);
    }

    [Fact]
    public async Task Flood_of_unknown_kids_reads_the_jwks_at_most_once_per_minimum_interval()
    {
        await using var own = await StartIssuerAsync();
        await using var app = await StartAsync(own, minimumRefreshInterval: "00:00:30");
        var token = own.CreateToken();
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", token), Ct)).StatusCode);
        var readsBefore = own.JwksRequests;

        var responses = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(_ => app.Client.SendAsync(app.Get("/me", ForgedTokens.WithKid(token, Guid.NewGuid().ToString("N"))), Ct)));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode));
        Assert.True(own.JwksRequests - readsBefore <= 1, $"{own.JwksRequests - readsBefore} reads for 50 forged kids");
    }

    [Fact]
    public async Task Known_keys_stay_accepted_when_the_jwks_cannot_be_read_again()
    {
        var down = await StartIssuerAsync();
        down.MaxAge = TimeSpan.FromSeconds(1);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(down, time: time);
        var token = down.CreateToken();
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", token), Ct)).StatusCode);

        await down.DisposeAsync();
        time.Advance(TimeSpan.FromSeconds(1.5));

        // The cache lifetime is over and the re-read fails: the last good keys still count.
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", token), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", down.CreateToken()), Ct)).StatusCode);
    }

    [Fact]
    public async Task Host_starts_and_answers_healthz_while_the_jwks_is_unreachable()
    {
        var settings = issuer.Settings.ToDictionary();
        settings["Jwt:JwksUrl"] = $"http://127.0.0.1:{UnusedPort()}/api/auth/.well-known/jwks.json";
        await using var app = await TestApp.StartAsync(
            settings: settings,
            configure: builder => builder.AddDefaultAuthentication(),
            map: a => a.MapGet("/me", () => "ok").RequireAuthorization());

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(app.Get("/me", issuer.CreateToken()), Ct)).StatusCode);
    }

    [Fact]
    public async Task Jwks_is_cached_for_its_max_age_and_read_again_after_it()
    {
        await using var own = await StartIssuerAsync();
        own.MaxAge = TimeSpan.FromSeconds(2);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(own, time: time);
        var token = own.CreateToken();

        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", token), Ct)).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", token), Ct)).StatusCode);
        Assert.Equal(1, own.JwksRequests);

        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", token), Ct)).StatusCode);
        Assert.Equal(2, own.JwksRequests);
    }

    private static async Task<TestJwtIssuer> StartIssuerAsync()
    {
        var own = new TestJwtIssuer();
        await own.InitializeAsync();
        return own;
    }

    /// <summary>A host trusting <paramref name="own"/>; with <paramref name="time"/>, the JWKS cache runs on that clock.</summary>
    private static Task<TestApp> StartAsync(TestJwtIssuer own, string minimumRefreshInterval = "00:00:01", FakeTimeProvider? time = null)
    {
        var settings = own.Settings.ToDictionary();
        settings["Jwt:MinimumRefreshInterval"] = minimumRefreshInterval;
        return TestApp.StartAsync(
            settings: settings,
            configure: builder =>
            {
                if (time is not null)
                {
                    builder.Services.AddSingleton<TimeProvider>(time);
                }
                builder.AddDefaultAuthentication();
            },
            map: a => a.MapGet("/me", () => "ok").RequireAuthorization());
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Missing_jwt_setting_stops_the_host_at_start_naming_it()
    {
        var settings = issuer.Settings.Where(pair => pair.Key != "Jwt:Issuer").ToDictionary();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestApp.StartAsync(settings: settings, configure: builder => builder.AddDefaultAuthentication()));

        Assert.Contains("Issuer", error.Message);
    }
}
