using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Campus.Auth.Data;
using Campus.Auth.Tokens;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Campus.Auth.Tests;

/// <summary>
/// The auth service on its own fresh database (built by its migrations) and its own queues, with a
/// <see cref="FakeTimeProvider"/> clock that starts at the real time (<see cref="Time"/>), signing keys generated into a
/// temporary folder, and the client IP taken from <c>X-Forwarded-For</c> as behind the edge (see <see cref="ClientFrom"/>).
/// </summary>
public partial class AuthFactory : CampusHostFactory<Program, AuthDbContext>
{
    private readonly string _keyDirectory = Path.Combine(Path.GetTempPath(), TestInfrastructure.UniqueName("campus-auth-keys-"));

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Auth:KeyDirectory"] = _keyDirectory;
            // The test server's peer is loopback: it plays the gateway, whose X-Forwarded-For (ClientFrom) is believed.
            settings["Auth:TrustedProxies:0"] = "127.0.0.1";
            foreach (var (key, value) in ExtraSettings)
            {
                settings[key] = value;
            }
            return settings;
        }
    }

    /// <summary>Settings of a derived fixture (e.g. a small SMS budget), on a database of its own.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<IStartupFilter, LoopbackPeer>();
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_keyDirectory))
        {
            Directory.Delete(_keyDirectory, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>A client whose requests come from <paramref name="ip"/> through a loopback proxy (the edge).</summary>
    public HttpClient ClientFrom(string ip)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return client;
    }

    /// <summary>A client IP of its own, so per-IP limits of one test never touch another's.</summary>
    public static string NewIp() => $"10.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    /// <summary>A valid Russian mobile number of its own (never the bootstrap admin's).</summary>
    public static string NewPhone() => "+799" + RandomNumberGenerator.GetInt32(100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The code in the newest dev-outbox message to <paramref name="phone"/>.</summary>
    public async Task<string> LatestCodeAsync(HttpClient client, string phone)
    {
        var messages = await client.GetFromJsonAsync<JsonElement>($"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}");
        return SixDigits().Match(messages[0].GetProperty("text").GetString()!).Value;
    }

    /// <summary>Signs <paramref name="phone"/> in through the API (own IP); returns the token response.</summary>
    public async Task<JsonElement> SignInAsync(string phone, bool rememberMe = false)
    {
        using var client = ClientFrom(NewIp());
        var sent = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var code = await LatestCodeAsync(client, phone);
        var verified = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code, remember_me = rememberMe });
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        return await verified.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A user and a session made directly by the token issuer (fast, no SMS).</summary>
    public async Task<(User User, TokenResponse Tokens)> IssueAsync(string[]? roles = null, bool rememberMe = false)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var now = Time.GetUtcNow();
        var user = new User { Phone = NewPhone(), Roles = roles ?? ["student"], CreatedAt = now, UpdatedAt = now };
        db.Users.Add(user);
        var tokens = await scope.ServiceProvider.GetRequiredService<TokenIssuer>().IssueAsync(user, rememberMe, TestContext.Current.CancellationToken);
        return (user, tokens);
    }

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();

    // TestServer has no peer address; behind the platform the auth host's peer is the gateway on loopback.
    private sealed class LoopbackPeer : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress ??= IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
