using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Campus.Auth.Email;
using Campus.Auth.Passwords;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Tests;

public sealed class PasswordFlowTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private const string Password = "correct horse battery";
    private const string NewPassword = "a brand new passphrase";

    private readonly HttpClient _client = factory.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forgot_for_an_unknown_address_is_accepted_and_sends_nothing()
    {
        var email = EmailFlows.NewEmail("nobody");

        var response = await Forgot(email);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await factory.OutboxEventsAsync(EmailFlows.PasswordResetRequested, email));
    }

    [Fact]
    public async Task Forgot_for_a_pending_account_is_accepted_and_sends_nothing()
    {
        var email = EmailFlows.NewEmail();
        (await _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = Password }, Ct)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Accepted, (await Forgot(email)).StatusCode);
        Assert.Empty(await factory.OutboxEventsAsync(EmailFlows.PasswordResetRequested, email));
    }

    [Fact]
    public async Task Forgot_publishes_a_reset_token_valid_15_minutes_stored_only_as_a_hash()
    {
        var email = EmailFlows.NewEmail();
        var userId = await factory.CreateActiveAccountAsync(_client, email, Password);

        var response = await Forgot(email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var evt = Assert.Single(await factory.OutboxEventsAsync(EmailFlows.PasswordResetRequested, email));
        Assert.Equal(userId, evt.GetProperty("user_id").GetGuid());
        Assert.Equal(factory.Time.GetUtcNow().AddMinutes(15), evt.GetProperty("expires_at").GetDateTimeOffset(), TimeSpan.FromSeconds(1));
        var token = evt.GetProperty("token").GetString()!;
        await using var db = factory.Database.CreateContext();
        var row = await db.Set<EmailToken>().SingleAsync(t => t.UserId == userId && t.Purpose == EmailTokenPurpose.Reset, Ct);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), row.TokenHash);
        Assert.DoesNotContain(token, JsonSerializer.Serialize(row), StringComparison.Ordinal);

        // A second request within a minute sends no second mail; after it, a new link replaces the old one.
        Assert.Equal(HttpStatusCode.Accepted, (await Forgot(email)).StatusCode);
        Assert.Single(await factory.OutboxEventsAsync(EmailFlows.PasswordResetRequested, email));
        factory.Time.Advance(TimeSpan.FromMinutes(1)); // Auth:Email:ResendInterval
        Assert.Equal(HttpStatusCode.Accepted, (await Forgot(email)).StatusCode);
        Assert.Equal(2, (await factory.OutboxEventsAsync(EmailFlows.PasswordResetRequested, email)).Count);
        await AssertProblemAsync(await Reset(token, NewPassword), HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task Reset_sets_the_password_revokes_every_session_and_the_token_is_single_use()
    {
        var email = EmailFlows.NewEmail();
        var userId = await factory.CreateActiveAccountAsync(_client, email, Password);
        var first = await LoginTokens(email, Password);
        var second = await LoginTokens(email, Password);
        (await Forgot(email)).EnsureSuccessStatusCode();
        var token = await factory.LatestTokenAsync(EmailFlows.PasswordResetRequested, email);

        Assert.Equal(HttpStatusCode.NoContent, (await Reset(token, NewPassword)).StatusCode);

        await AssertProblemAsync(await Login(email, Password), HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(HttpStatusCode.OK, (await Login(email, NewPassword)).StatusCode);
        foreach (var refreshToken in new[] { first, second })
        {
            var refresh = await _client.PostAsJsonAsync("/api/auth/token/refresh", new { refresh_token = refreshToken }, Ct);
            await AssertProblemAsync(refresh, HttpStatusCode.Unauthorized, "refresh_token_invalid");
        }
        await using var db = factory.Database.CreateContext();
        Assert.Equal(2, await db.Sessions.CountAsync(s => s.UserId == userId && s.RevokedAt != null, Ct));

        await AssertProblemAsync(await Reset(token, "yet another passphrase"), HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task Reset_token_expires_after_15_minutes()
    {
        var email = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, email, Password);
        (await Forgot(email)).EnsureSuccessStatusCode();
        var token = await factory.LatestTokenAsync(EmailFlows.PasswordResetRequested, email);

        factory.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        await AssertProblemAsync(await Reset(token, NewPassword), HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await Login(email, Password)).StatusCode);
    }

    [Fact]
    public async Task Reset_refuses_a_weak_password_and_keeps_the_token_usable()
    {
        var email = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, email, Password);
        (await Forgot(email)).EnsureSuccessStatusCode();
        var token = await factory.LatestTokenAsync(EmailFlows.PasswordResetRequested, email);

        await AssertFieldErrorAsync(await Reset(token, "qwerty123456"), "weak_password", "password");
        await AssertFieldErrorAsync(await Reset(token, email), "weak_password", "password");

        Assert.Equal(HttpStatusCode.NoContent, (await Reset(token, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task Reset_with_an_unknown_token_is_invalid()
    {
        var response = await Reset("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NewPassword);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task Reset_lifts_the_sign_in_lock()
    {
        var email = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, email, Password);
        for (var i = 1; i <= 10; i++)
        {
            await Login(email, $"wrong password {i}");
        }
        await AssertProblemAsync(await Login(email, Password), HttpStatusCode.Locked, "account_locked");
        (await Forgot(email)).EnsureSuccessStatusCode();
        var token = await factory.LatestTokenAsync(EmailFlows.PasswordResetRequested, email);

        Assert.Equal(HttpStatusCode.NoContent, (await Reset(token, NewPassword)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Login(email, NewPassword)).StatusCode);
    }

    [Fact]
    public void Common_password_list_is_embedded_and_compared_case_insensitively()
    {
        Assert.InRange(PasswordPolicy.CommonCount, 2_000, 50_000);
        Assert.True(PasswordPolicy.IsCommon("qwertyuiop"));
        Assert.True(PasswordPolicy.IsCommon("QwErTyUiOp"));
        Assert.True(PasswordPolicy.IsCommon("Пароль2024"));
        Assert.Null(PasswordPolicy.Weakness(NewPassword, "someone@example.com"));
        Assert.NotNull(PasswordPolicy.Weakness("Someone@Example.com", "someone@example.com"));
        Assert.NotNull(PasswordPolicy.Weakness("someone.long.name", "someone.long.name@example.com"));
        Assert.NotNull(PasswordPolicy.Weakness("пароль", null));
    }

    private Task<HttpResponseMessage> Forgot(string email) =>
        _client.PostAsJsonAsync("/api/auth/password/forgot", new { email }, Ct);

    private Task<HttpResponseMessage> Reset(string token, string password) =>
        _client.PostAsJsonAsync("/api/auth/password/reset", new { token, password }, Ct);

    private Task<HttpResponseMessage> Login(string email, string password) =>
        _client.PostAsJsonAsync("/api/auth/email/login", new { email, password }, Ct);

    private async Task<string> LoginTokens(string email, string password)
    {
        var response = await Login(email, password);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("refresh_token").GetString()!;
    }
}
