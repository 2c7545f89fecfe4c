using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Campus.Auth.Tokens;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Campus.Auth.Tests;

/// <summary>Signing keys from configuration (rotation: several published, one signs) and the Development key file.</summary>
public sealed class SigningKeyTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_configured_key_is_published_and_only_the_active_one_signs()
    {
        await using var host = WithKeys(("2026-10", NewPem()), ("2026-11", NewPem()), active: "2026-11");
        using var client = host.CreateClient();

        var jwks = await client.GetFromJsonAsync<JsonElement>("/api/auth/.well-known/jwks.json", Ct);
        await using var scope = host.Services.CreateAsyncScope();
        var ring = scope.ServiceProvider.GetRequiredService<SigningKeyRing>();

        Assert.Equal(["2026-10", "2026-11"], jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()));
        Assert.All(jwks.GetProperty("keys").EnumerateArray(), key =>
        {
            Assert.Equal("EC", key.GetProperty("kty").GetString());
            Assert.Equal("P-256", key.GetProperty("crv").GetString());
            Assert.Equal("ES256", key.GetProperty("alg").GetString());
            Assert.False(key.TryGetProperty("d", out _));
        });
        Assert.Equal("2026-11", ring.Active.KeyId);
    }

    [Fact]
    public void A_broken_configured_key_stops_the_host_at_start_naming_the_setting()
    {
        var host = WithKeys(("broken", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"), ("ok", NewPem()), active: "ok");

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("Auth:SigningKeys", error.ToString());
    }

    [Fact]
    public void Development_key_is_generated_once_and_reused_after_a_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "campus-auth-keys-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = Options.Create(new AuthOptions { KeyDirectory = directory });
            var environment = new DevelopmentEnvironment(directory);

            var first = new SigningKeyRing(options, environment, TimeProvider.System, NullLogger<SigningKeyRing>.Instance).Active;
            var second = new SigningKeyRing(options, environment, TimeProvider.System, NullLogger<SigningKeyRing>.Instance).Active;

            Assert.Equal(first.KeyId, second.KeyId);
            var token = new JsonWebTokenHandler().CreateToken("{}", new Microsoft.IdentityModel.Tokens.SigningCredentials(first, "ES256"));
            Assert.Equal(first.KeyId, new JsonWebToken(token).Kid);
            Assert.Single(Directory.GetFiles(directory, "*.pem"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private WebApplicationFactory<Program> WithKeys((string Kid, string Pem) first, (string Kid, string Pem) second, string active) =>
        factory.WithWebHostBuilder(host => host
            .UseSetting("Auth:SigningKeys:0:Kid", first.Kid)
            .UseSetting("Auth:SigningKeys:0:Pem", first.Pem)
            .UseSetting("Auth:SigningKeys:1:Kid", second.Kid)
            .UseSetting("Auth:SigningKeys:1:Pem", second.Pem)
            .UseSetting("Auth:ActiveKeyId", active));

    private static string NewPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private sealed class DevelopmentEnvironment(string contentRoot) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;
        public string ApplicationName { get; set; } = "Campus.Auth";
        public string ContentRootPath { get; set; } = contentRoot;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
