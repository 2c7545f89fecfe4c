using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Auth.Users;
using Campus.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Campus.Auth.Tests;

/// <summary>JWKS and token validation, GET /me and user administration. This class never moves the clock.</summary>
public sealed class UsersAndKeysTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Issued_access_token_validates_with_a_standard_jwt_library_against_the_served_jwks()
    {
        var (user, tokens) = await factory.IssueAsync(["student", "author"]);
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/auth/.well-known/jwks.json", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: 600 }, response.Headers.CacheControl?.ToString());
        var jwksJson = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("\"d\"", jwksJson, StringComparison.Ordinal);
        var jwks = new JsonWebKeySet(jwksJson);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.AccessToken, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidIssuer = TestJwtIssuer.Issuer,
            ValidAudience = TestJwtIssuer.Audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal(jwks.Keys.Single().Kid, token.Kid);
        Assert.Equal(user.Id.ToString(), token.Subject);
        Assert.Equal("student author", token.GetClaim("roles").Value);
        Assert.True(Guid.TryParse(token.GetClaim("sid").Value, out _));
        Assert.False(string.IsNullOrEmpty(token.Id));
        Assert.Equal(token.ValidFrom, token.IssuedAt);
        Assert.Equal(TimeSpan.FromMinutes(15), token.ValidTo - token.ValidFrom);
    }

    [Fact]
    public async Task Me_answers_the_caller()
    {
        var (user, tokens) = await factory.IssueAsync();
        using var client = Authorized(tokens.AccessToken);

        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me", Ct);

        Assert.Equal(user.Id, me.GetProperty("id").GetGuid());
        Assert.Equal(user.Phone, me.GetProperty("phone").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("email").ValueKind);
        Assert.Equal("active", me.GetProperty("status").GetString());
        Assert.True(me.TryGetProperty("created_at", out _));
    }

    public static TheoryData<string> RejectedTokens => ["none", "unpublished_key", "expired", "wrong_audience", "wrong_issuer"];

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task Me_refuses_missing_foreign_expired_or_misaddressed_tokens(string kind)
    {
        var token = kind switch
        {
            "none" => null,
            "unpublished_key" => factory.Jwt.CreateToken(signingKey: TestJwtIssuer.UnpublishedKey()),
            "expired" => factory.Jwt.CreateToken(lifetime: TimeSpan.FromMinutes(5), notBefore: DateTime.UtcNow.AddHours(-1)),
            "wrong_audience" => factory.Jwt.CreateToken(audience: "someone-else"),
            _ => factory.Jwt.CreateToken(issuer: "someone-else"),
        };
        using var client = token is null ? factory.CreateClient() : Authorized(token);

        var response = await client.GetAsync("/api/auth/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Non_admin_gets_403_from_the_admin_api()
    {
        var (_, tokens) = await factory.IssueAsync(["student", "moderator"]);
        using var client = Authorized(tokens.AccessToken);

        var list = await client.GetAsync("/api/auth/users", Ct);
        var roles = await client.PutAsJsonAsync($"/api/auth/users/{Guid.NewGuid()}/roles", new { roles = new[] { "admin" } }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, roles.StatusCode);
    }

    [Fact]
    public async Task Admin_lists_users_paged_and_searches_by_phone()
    {
        var (_, admin) = await factory.IssueAsync(["admin"]);
        var (target, _) = await factory.IssueAsync();
        using var client = Authorized(admin.AccessToken);

        var found = await client.GetFromJsonAsync<JsonElement>($"/api/auth/users?search={Uri.EscapeDataString(target.Phone![2..])}", Ct);
        var page = await client.GetFromJsonAsync<JsonElement>("/api/auth/users?limit=1&offset=0", Ct);
        var tooBig = await client.GetAsync("/api/auth/users?limit=1000", Ct);

        Assert.Equal(target.Id, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("total").GetInt32() >= 2);
        await AssertProblemAsync(tooBig, HttpStatusCode.BadRequest, "invalid_page");
        await AssertFieldErrorAsync(await client.GetAsync($"/api/auth/users?search={new string('7', 201)}", Ct), "validation_failed", "search");
    }

    [Fact]
    public async Task Admin_sets_roles_and_unknown_roles_or_users_are_refused()
    {
        var (_, admin) = await factory.IssueAsync(["admin"]);
        var (target, _) = await factory.IssueAsync();
        using var client = Authorized(admin.AccessToken);

        var set = await client.PutAsJsonAsync($"/api/auth/users/{target.Id}/roles", new { roles = new[] { "author", "student" } }, Ct);
        var unknownRole = await client.PutAsJsonAsync($"/api/auth/users/{target.Id}/roles", new { roles = new[] { "root" } }, Ct);
        var empty = await client.PutAsJsonAsync($"/api/auth/users/{target.Id}/roles", new { roles = Array.Empty<string>() }, Ct);
        var unknownUser = await client.PutAsJsonAsync($"/api/auth/users/{Guid.NewGuid()}/roles", new { roles = new[] { "author" } }, Ct);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(["student", "author"], (await set.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await AssertFieldErrorAsync(unknownRole, "invalid_roles", "roles");
        await AssertFieldErrorAsync(empty, "invalid_roles", "roles");
        // roles takes at most 16 items, repeated ones counted.
        var tooMany = await client.PutAsJsonAsync($"/api/auth/users/{target.Id}/roles", new { roles = Enumerable.Repeat("student", 17) }, Ct);
        await AssertFieldErrorAsync(tooMany, "invalid_roles", "roles");
        await AssertProblemAsync(unknownUser, HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task Admin_grants_the_manager_role_and_a_manager_cannot_administer_users()
    {
        var (_, admin) = await factory.IssueAsync(["admin"]);
        var (target, _) = await factory.IssueAsync();
        using var client = Authorized(admin.AccessToken);

        var set = await client.PutAsJsonAsync($"/api/auth/users/{target.Id}/roles", new { roles = new[] { "manager", "student" } }, Ct);
        var (_, manager) = await factory.IssueAsync(["student", "manager"]);
        using var managerClient = Authorized(manager.AccessToken);
        var list = await managerClient.GetAsync("/api/auth/users", Ct);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(["student", "manager"], (await set.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
    }

    [Fact]
    public async Task Blocking_revokes_sessions_and_unblocking_restores_sign_in()
    {
        var (_, admin) = await factory.IssueAsync(["admin"]);
        var (target, targetTokens) = await factory.IssueAsync();
        using var client = Authorized(admin.AccessToken);

        var blocked = await client.PostAsync($"/api/auth/users/{target.Id}/block", null, Ct);

        Assert.Equal("blocked", (await blocked.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        var refresh = await client.PostAsJsonAsync("/api/auth/token/refresh", new { refresh_token = targetTokens.RefreshToken }, Ct);
        await AssertProblemAsync(refresh, HttpStatusCode.Unauthorized, "refresh_token_invalid");

        var unblocked = await client.PostAsync($"/api/auth/users/{target.Id}/unblock", null, Ct);
        Assert.Equal("active", (await unblocked.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        await using var db = factory.Database.CreateContext();
        Assert.Equal(Campus.Auth.Data.UserStatus.Active, await db.Users.Where(u => u.Id == target.Id).Select(u => u.Status).SingleAsync(Ct));
    }

    [Fact]
    public async Task A_caller_who_is_no_admin_any_more_changes_nobody()
    {
        // The group's filter refuses such a caller first; the feature checks again under its lock, where a concurrent
        // demotion would show.
        var (caller, _) = await factory.IssueAsync();
        var (target, _) = await factory.IssueAsync();
        await using var scope = factory.Services.CreateAsyncScope();
        var administration = scope.ServiceProvider.GetRequiredService<UserAdministration>();

        Assert.IsType<UserAdministrationResult.NotAdmin>(await administration.SetRolesAsync(caller.Id, target.Id, ["admin"], Ct));
        Assert.IsType<UserAdministrationResult.NotAdmin>(await administration.BlockAsync(caller.Id, target.Id, Ct));

        await using var db = factory.Database.CreateContext();
        var stored = await db.Users.SingleAsync(u => u.Id == target.Id, Ct);
        Assert.Equal(["student"], stored.Roles);
        Assert.Equal(Campus.Auth.Data.UserStatus.Active, stored.Status);
    }

    [Fact]
    public async Task Dev_sms_outbox_is_404_outside_development()
    {
        await using var production = factory.WithWebHostBuilder(host => host.UseEnvironment(Environments.Production));
        using var client = production.CreateClient();

        var response = await client.GetAsync("/api/auth/dev/sms-outbox?phone=%2B79001234567", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private HttpClient Authorized(string accessToken)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }
}
