using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Campus.Auth.Data;
using Campus.Auth.Email;
using Campus.Auth.Passwords;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Tests;

public sealed class EmailFlowTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private const string Password = "correct horse battery";

    private readonly HttpClient _client = factory.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_creates_pending_user_and_publishes_hashed_confirmation_token_through_outbox()
    {
        var email = EmailFlows.NewEmail();
        var response = await _client.PostAsJsonAsync("/api/auth/email/register", new { email = email.ToUpperInvariant(), password = Password }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(email, body.GetProperty("email").GetString());
        Assert.Equal(86400, body.GetProperty("confirmation_expires_in").GetInt64());

        await using var db = factory.Database.CreateContext();
        var user = await db.Users.SingleAsync(u => u.Email == email, Ct);
        Assert.Equal(UserStatus.PendingConfirmation, user.Status);
        Assert.Null(user.EmailConfirmedAt);
        Assert.Equal(["student"], user.Roles);

        var evt = Assert.Single(await factory.OutboxEventsAsync(EmailFlows.ConfirmationRequested, email));
        Assert.Equal(EmailFlows.ConfirmationRequested, evt.GetProperty("type").GetString());
        Assert.Equal(user.Id, evt.GetProperty("user_id").GetGuid());
        var token = evt.GetProperty("token").GetString()!;
        Assert.Equal(32, Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.Equal(factory.Time.GetUtcNow().AddHours(24), evt.GetProperty("expires_at").GetDateTimeOffset(), TimeSpan.FromSeconds(1));

        // Only the SHA-256 of the token is stored; the plain token appears in no column of the row.
        var row = await db.Set<EmailToken>().SingleAsync(t => t.UserId == user.Id, Ct);
        Assert.Equal(EmailTokenPurpose.Confirm, row.Purpose);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), row.TokenHash);
        Assert.Null(row.UsedAt);
        Assert.DoesNotContain(token, JsonSerializer.Serialize(row), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short1!")]                  // fewer than 10 characters
    [InlineData("QWERTYUIOP")]                // common, in any letter case
    [InlineData("Password123")]
    [InlineData("1234567890")]
    [InlineData("{email}")]                   // the e-mail address itself
    public async Task Register_refuses_weak_passwords(string password)
    {
        var email = EmailFlows.NewEmail();
        var response = await _client.PostAsJsonAsync("/api/auth/email/register",
            new { email, password = password.Replace("{email}", email.ToUpperInvariant(), StringComparison.Ordinal) }, Ct);

        await AssertFieldErrorAsync(response, "weak_password", "password");
        await using var db = factory.Database.CreateContext();
        Assert.False(await db.Users.AnyAsync(u => u.Email == email, Ct));
    }

    [Fact]
    public async Task Register_refuses_a_malformed_address_with_a_field_error()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/email/register", new { email = "not an address", password = Password }, Ct);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
        // The contract's maxLength (254) counts the address as sent, blanks included.
        var padded = await _client.PostAsJsonAsync("/api/auth/email/register",
            new { email = $"{Guid.NewGuid():N}@example.com" + new string(' ', 250), password = Password }, Ct);
        await AssertFieldErrorAsync(padded, "validation_failed", "email");
    }

    [Fact]
    public async Task Register_of_a_taken_address_answers_exactly_like_a_new_one_and_mails_nothing()
    {
        var taken = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, taken, Password);
        var fresh = EmailFlows.NewEmail();

        var takenAnswer = await _client.PostAsJsonAsync("/api/auth/email/register", new { email = taken, password = "another long passphrase" }, Ct);
        var freshAnswer = await _client.PostAsJsonAsync("/api/auth/email/register", new { email = fresh, password = "another long passphrase" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, takenAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, freshAnswer.StatusCode);
        var takenBody = await takenAnswer.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var freshBody = await freshAnswer.Content.ReadFromJsonAsync<JsonElement>(Ct);
        // The same fields and values but the address: nothing (no user id) tells the two apart.
        Assert.Equal(freshBody.EnumerateObject().Select(p => p.Name), takenBody.EnumerateObject().Select(p => p.Name));
        Assert.Equal(taken, takenBody.GetProperty("email").GetString());
        Assert.Equal(freshBody.GetProperty("confirmation_expires_in").GetInt64(), takenBody.GetProperty("confirmation_expires_in").GetInt64());
        // Only the confirmation of the original registration was ever mailed to the taken address, and its password holds.
        Assert.Single(await factory.OutboxEventsAsync(EmailFlows.ConfirmationRequested, taken));
        Assert.Equal(HttpStatusCode.OK, (await Login(taken, Password)).StatusCode);
    }

    [Fact]
    public async Task Registering_an_unconfirmed_address_five_times_mails_one_link_per_interval()
    {
        var email = EmailFlows.NewEmail();

        for (var i = 0; i < 5; i++)
        {
            var response = await _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = Password }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            factory.Time.Advance(TimeSpan.FromSeconds(5));
        }
        Assert.Single(await factory.OutboxEventsAsync(EmailFlows.ConfirmationRequested, email));

        // Parallel registrations of one address cannot both mail either.
        factory.Time.Advance(TimeSpan.FromMinutes(1)); // Auth:Email:ResendInterval
        var burst = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = Password }, Ct)));
        Assert.All(burst, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(2, (await factory.OutboxEventsAsync(EmailFlows.ConfirmationRequested, email)).Count);
    }

    [Fact]
    public async Task Register_again_while_pending_sends_a_new_token_and_the_old_link_stops_working()
    {
        var email = EmailFlows.NewEmail();
        (await _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = "first long passphrase" }, Ct)).EnsureSuccessStatusCode();
        var first = await factory.LatestTokenAsync(EmailFlows.ConfirmationRequested, email);
        factory.Time.Advance(TimeSpan.FromMinutes(1)); // Auth:Email:ResendInterval

        var again = await _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = Password }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var events = await factory.OutboxEventsAsync(EmailFlows.ConfirmationRequested, email);
        Assert.Equal(2, events.Count);
        var second = events[1].GetProperty("token").GetString()!;
        Assert.NotEqual(first, second);

        await AssertProblemAsync(await Confirm(first), HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.NoContent, (await Confirm(second)).StatusCode);
        // The password of the registration whose link was followed is the one in force.
        Assert.Equal(HttpStatusCode.OK, (await Login(email, Password)).StatusCode);
    }

    [Fact]
    public async Task Confirm_activates_the_user_once_and_a_used_token_is_invalid()
    {
        var email = EmailFlows.NewEmail();
        (await _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = Password }, Ct)).EnsureSuccessStatusCode();
        var token = await factory.LatestTokenAsync(EmailFlows.ConfirmationRequested, email);

        Assert.Equal(HttpStatusCode.NoContent, (await Confirm(token)).StatusCode);

        await using var db = factory.Database.CreateContext();
        var user = await db.Users.SingleAsync(u => u.Email == email, Ct);
        Assert.Equal(UserStatus.Active, user.Status);
        Assert.Equal(factory.Time.GetUtcNow(), user.EmailConfirmedAt!.Value, TimeSpan.FromSeconds(1));
        Assert.NotNull((await db.Set<EmailToken>().SingleAsync(t => t.UserId == user.Id, Ct)).UsedAt);

        await AssertProblemAsync(await Confirm(token), HttpStatusCode.BadRequest, "token_invalid");

        // The account is announced to the other services once, with the confirmation (not at registration).
        var registered = Assert.Single(await factory.OutboxEventsAsync("auth.user.registered", email));
        Assert.Equal(user.Id, registered.GetProperty("user_id").GetGuid());
        Assert.Equal(email, registered.GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.Null, registered.GetProperty("phone").ValueKind);
        Assert.Equal(["student"], registered.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Confirm_with_an_expired_or_unknown_token_is_invalid()
    {
        var email = EmailFlows.NewEmail();
        (await _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = Password }, Ct)).EnsureSuccessStatusCode();
        var token = await factory.LatestTokenAsync(EmailFlows.ConfirmationRequested, email);

        factory.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        await AssertProblemAsync(await Confirm(token), HttpStatusCode.BadRequest, "token_invalid");
        await AssertProblemAsync(await Confirm("A" + token[1..]), HttpStatusCode.BadRequest, "token_invalid");
        await AssertProblemAsync(await Confirm("garbage"), HttpStatusCode.BadRequest, "token_invalid");
        await using var db = factory.Database.CreateContext();
        Assert.Equal(UserStatus.PendingConfirmation, (await db.Users.SingleAsync(u => u.Email == email, Ct)).Status);
    }

    [Fact]
    public async Task Confirm_revokes_the_refresh_tokens_the_account_already_had()
    {
        var email = EmailFlows.NewEmail();
        var userId = await factory.CreateActiveAccountAsync(_client, email, Password);
        var tokens = await (await Login(email, Password)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;

        // An address can be confirmed again only through a fresh link; simulate the owner proving it while a session lives.
        string confirmToken;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            (confirmToken, _) = await scope.ServiceProvider.GetRequiredService<EmailTokens>()
                .IssueAsync(userId, EmailTokenPurpose.Confirm, passwordHash: null, Ct);
            await db.SaveChangesAsync(Ct);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await Confirm(confirmToken)).StatusCode);

        var refresh = await _client.PostAsJsonAsync("/api/auth/token/refresh", new { refresh_token = refreshToken }, Ct);
        await AssertProblemAsync(refresh, HttpStatusCode.Unauthorized, "refresh_token_invalid");
        await using var check = factory.Database.CreateContext();
        Assert.All(await check.Sessions.Where(s => s.UserId == userId).ToListAsync(Ct), s => Assert.NotNull(s.RevokedAt));
    }

    [Fact]
    public async Task Login_returns_tokens_for_an_active_account()
    {
        var email = EmailFlows.NewEmail();
        var userId = await factory.CreateActiveAccountAsync(_client, email, Password);

        var response = await _client.PostAsJsonAsync("/api/auth/email/login", new { email, password = Password, remember_me = true }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("access_token").GetString()));
        Assert.Equal(60 * 24 * 3600, body.GetProperty("refresh_expires_in").GetInt32());
        Assert.Equal(userId, body.GetProperty("user").GetProperty("id").GetGuid());

    }

    [Fact]
    public async Task Login_with_unknown_email_or_wrong_password_gives_the_same_answer_in_similar_time()
    {
        var email = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, email, Password);
        // Warm both paths (the dummy hash is computed on first use).
        await Login(EmailFlows.NewEmail("warm"), Password);

        // Alternating samples, compared by their medians: one pair alone is at the mercy of whatever else the CI
        // machine runs at that instant (other test assemblies run in parallel).
        var wrongTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var wrongPassword = await TimedAsync(() => Login(email, "wrong long password"));
            var unknownEmail = await TimedAsync(() => Login(EmailFlows.NewEmail("nobody"), Password));

            var wrongProblem = await AssertProblemAsync(wrongPassword.Response, HttpStatusCode.Unauthorized, "invalid_credentials");
            var unknownProblem = await AssertProblemAsync(unknownEmail.Response, HttpStatusCode.Unauthorized, "invalid_credentials");
            Assert.Equal(wrongProblem.GetProperty("title").GetString(), unknownProblem.GetProperty("title").GetString());
            wrongTimes.Add(wrongPassword.Elapsed.TotalMilliseconds);
            unknownTimes.Add(unknownEmail.Elapsed.TotalMilliseconds);
        }
        // Both spend a full PBKDF2 verification (an unknown address one against a dummy hash); a generous bound.
        var ratio = Median(unknownTimes) / Median(wrongTimes);
        Assert.InRange(ratio, 0.4, 2.5);
    }

    [Fact]
    public async Task Login_of_a_pending_account_is_forbidden_until_confirmed()
    {
        var email = EmailFlows.NewEmail();
        (await _client.PostAsJsonAsync("/api/auth/email/register", new { email, password = Password }, Ct)).EnsureSuccessStatusCode();

        await AssertProblemAsync(await Login(email, Password), HttpStatusCode.Forbidden, "email_not_confirmed");
        // Without the password, the state of the account is not disclosed.
        await AssertProblemAsync(await Login(email, "wrong long password"), HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task Login_of_a_blocked_account_is_forbidden()
    {
        var email = EmailFlows.NewEmail();
        var userId = await factory.CreateActiveAccountAsync(_client, email, Password);
        await using (var db = factory.Database.CreateContext())
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.Status, UserStatus.Blocked), Ct);
        }

        await AssertProblemAsync(await Login(email, Password), HttpStatusCode.Forbidden, "user_blocked");
    }

    [Fact]
    public async Task Login_locks_the_account_after_ten_failures_in_fifteen_minutes_until_the_window_passes()
    {
        var email = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, email, Password);

        for (var i = 1; i <= 9; i++)
        {
            await AssertProblemAsync(await Login(email, $"wrong password {i}"), HttpStatusCode.Unauthorized, "invalid_credentials");
            factory.Time.Advance(TimeSpan.FromSeconds(10));
        }
        var tenth = await Login(email, "wrong password 10");
        await AssertProblemAsync(tenth, HttpStatusCode.Locked, "account_locked");
        // The lock lasts until the first of the ten failures is 15 minutes old: 15 min - 90 s from now.
        Assert.Equal(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(90), tenth.Headers.RetryAfter!.Delta);

        // Even the right password is refused during the lock.
        var locked = await Login(email, Password);
        await AssertProblemAsync(locked, HttpStatusCode.Locked, "account_locked");
        Assert.NotNull(locked.Headers.RetryAfter?.Delta);

        factory.Time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(90));
        Assert.Equal(HttpStatusCode.OK, (await Login(email, Password)).StatusCode);

        await using var db = factory.Database.CreateContext();
        Assert.False(await db.Set<LoginFailure>().AnyAsync(f => f.Email == email, Ct), "a successful sign-in clears the failures");
    }

    [Fact]
    public async Task Parallel_guesses_cannot_exceed_ten_checked_passwords()
    {
        var email = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, email, Password);

        var responses = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Login(email, $"parallel guess {i}")));

        // Each checked wrong password leaves a failure row; attempts that found the ten taken are refused unchecked (423).
        var unauthorized = responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Locked }));
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.Locked), r => Assert.NotNull(r.Headers.RetryAfter?.Delta));
        Assert.InRange(unauthorized, 0, LoginLockout.MaxFailures - 1);
        int failures;
        await using (var db = factory.Database.CreateContext())
        {
            failures = await db.Set<LoginFailure>().CountAsync(f => f.Email == email, Ct);
        }
        Assert.InRange(failures, unauthorized, Math.Min(unauthorized + 1, LoginLockout.MaxFailures));

        // Whatever the burst left, the lock comes exactly at the tenth checked failure.
        for (var checkedFailures = failures; checkedFailures < LoginLockout.MaxFailures; checkedFailures++)
        {
            var expected = checkedFailures == LoginLockout.MaxFailures - 1 ? HttpStatusCode.Locked : HttpStatusCode.Unauthorized;
            Assert.Equal(expected, (await Login(email, "sequential guess")).StatusCode);
        }
        await AssertProblemAsync(await Login(email, Password), HttpStatusCode.Locked, "account_locked");
    }

    [Fact]
    public async Task Failures_older_than_the_window_do_not_count()
    {
        var email = EmailFlows.NewEmail();
        await factory.CreateActiveAccountAsync(_client, email, Password);
        for (var i = 1; i <= 9; i++)
        {
            await Login(email, $"wrong password {i}");
        }

        factory.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        await AssertProblemAsync(await Login(email, "wrong password 10"), HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task Unknown_addresses_lock_like_known_ones()
    {
        var email = EmailFlows.NewEmail("nobody");
        for (var i = 1; i <= 9; i++)
        {
            await AssertProblemAsync(await Login(email, $"wrong password {i}"), HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        var tenth = await Login(email, "wrong password 10");

        await AssertProblemAsync(tenth, HttpStatusCode.Locked, "account_locked");
        Assert.Equal(TimeSpan.FromMinutes(15), tenth.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task Passwords_are_hashed_at_210000_iterations_and_older_hashes_are_upgraded_on_login()
    {
        var email = EmailFlows.NewEmail();
        var userId = await factory.CreateActiveAccountAsync(_client, email, Password);
        await using var db = factory.Database.CreateContext();
        Assert.Equal(210_000, IterationsOf((await db.Users.SingleAsync(u => u.Id == userId, Ct)).PasswordHash!));

        var weaker = new PasswordHasher<User>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }));
        var oldHash = weaker.HashPassword(null!, Password);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, oldHash), Ct);

        Assert.Equal(HttpStatusCode.OK, (await Login(email, Password)).StatusCode);

        var upgraded = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.PasswordHash).SingleAsync(Ct);
        Assert.NotEqual(oldHash, upgraded);
        Assert.Equal(PasswordHashing.IterationCount, IterationsOf(upgraded!));
        Assert.Equal(HttpStatusCode.OK, (await Login(email, Password)).StatusCode);
    }

    private Task<HttpResponseMessage> Confirm(string token) =>
        _client.PostAsJsonAsync("/api/auth/email/confirm", new { token }, Ct);

    private Task<HttpResponseMessage> Login(string email, string password) =>
        _client.PostAsJsonAsync("/api/auth/email/login", new { email, password }, Ct);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> TimedAsync(Func<Task<HttpResponseMessage>> call)
    {
        var watch = Stopwatch.StartNew();
        var response = await call();
        return (response, watch.Elapsed);
    }

    // ASP.NET Core Identity v3 format: 0x01 | prf (4) | iterations (4, big-endian) | salt length (4) | salt | subkey.
    private static int IterationsOf(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        return (bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
    }
}
