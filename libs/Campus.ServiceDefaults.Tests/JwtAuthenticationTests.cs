using System.Net;
using System.Security.Claims;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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

    public static TheoryData<string> BadTokens => ["wrong-audience", "wrong-issuer", "expired", "not-yet-valid", "unpublished-key", "garbage"];

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
            _ => "not.a.jwt",
        };

        var response = await app.Client.SendAsync(app.Get("/me", token), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Token_signed_with_a_newly_published_key_is_accepted_after_the_jwks_is_read_again()
    {
        // Own issuer: rotating the shared fixture's key would race the other tests of this class.
        await using var rotating = new TestJwtIssuer();
        await rotating.InitializeAsync();
        await using var app = await TestApp.StartAsync(
            settings: rotating.Settings.ToDictionary(),
            configure: builder => builder.AddDefaultAuthentication(),
            map: a => a.MapGet("/me", () => "ok").RequireAuthorization());
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", rotating.CreateToken()), Ct)).StatusCode);
        var readsBefore = rotating.JwksRequests;

        rotating.RotateKey();
        var token = rotating.CreateToken();
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 3 && statuses.LastOrDefault() != HttpStatusCode.OK; attempt++)
        {
            statuses.Add((await app.Client.SendAsync(app.Get("/me", token), Ct)).StatusCode);
            await Task.Delay(200, Ct);
        }

        Assert.Equal(HttpStatusCode.OK, statuses.Last());
        Assert.True(rotating.JwksRequests > readsBefore, "the unknown kid should make the host read the JWKS again");
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
