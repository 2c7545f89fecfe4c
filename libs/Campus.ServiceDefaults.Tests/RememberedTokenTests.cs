using System.Net;
using System.Security.Claims;
using Campus.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Campus.ServiceDefaults.Tests;

/// <summary>
/// A validated access token is remembered for its next requests, and a remembered validation never outlives the
/// token's lifetime or the key set it was verified with. The host runs on a clock the test moves.
/// </summary>
public sealed class RememberedTokenTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TestJwtIssuer _issuer = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        await _issuer.InitializeAsync();
        _issuer.MaxAge = TimeSpan.FromMinutes(5);
        var settings = _issuer.Settings.ToDictionary();
        settings["Jwt:ClockSkew"] = "00:00:30";
        _app = await TestApp.StartAsync(
            settings: settings,
            configure: builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(_time);
                builder.AddDefaultAuthentication();
            },
            map: app => app.MapGet("/me", (ClaimsPrincipal user) => new
            {
                Id = user.Identity!.Name,
                Roles = user.FindAll(AuthenticationExtensions.RoleClaim).Select(claim => claim.Value).Order().ToArray(),
                Claims = user.Claims.Count(),
            }).RequireAuthorization());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private JwksTokenHandler Handler => (JwksTokenHandler)_app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>()
        .Get(JwtBearerDefaults.AuthenticationScheme).TokenHandlers.Single();

    private Task<HttpResponseMessage> MeAsync(string token) => _app.Client.SendAsync(_app.Get("/me", token), Ct);

    [Fact]
    public async Task The_same_token_again_is_answered_from_the_remembered_validation_with_the_same_user_and_roles()
    {
        var userId = Guid.NewGuid();
        var token = _issuer.CreateToken(userId, roles: "student manager");

        var first = await MeAsync(token);
        var hitsBefore = Handler.RememberedHits;
        var again = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => MeAsync(token)));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var expected = await first.Content.ReadAsStringAsync(Ct);
        Assert.Contains($"\"id\":\"{userId}\",\"roles\":[\"manager\",\"student\"]", expected);
        foreach (var response in again)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // Each request got its own copy of the identity: the roles mapping did not add the roles twice.
            Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
        }
        Assert.Equal(hitsBefore + 3, Handler.RememberedHits);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_expires_on_the_host_clock()
    {
        var token = _issuer.CreateToken(lifetime: TimeSpan.FromMinutes(15));
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(token)).StatusCode);

        // Within the clock skew after exp: still valid.
        _time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(token)).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(20));
        var expired = await MeAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("expired", expired.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task A_remembered_token_of_a_withdrawn_key_is_refused_once_the_key_set_is_read_again()
    {
        var token = _issuer.CreateToken();
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(token)).StatusCode);

        _issuer.RotateKey();
        _issuer.WithdrawPreviousKeys();
        // Until the key set's max-age is over the host knows nothing new; after it, the next request reads it again.
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await MeAsync(token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MeAsync(_issuer.CreateToken())).StatusCode);
    }
}
