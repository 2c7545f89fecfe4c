using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Auth.Data;
using Campus.Auth.Sms;
using Campus.Messaging.Outbox;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Auth.Tests;

/// <summary>POST /phone/send-code and /phone/verify: every phone sign-in rule, on the real database, time moved by a fake clock.</summary>
public sealed class PhoneSignInTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("89001234567")]    // national form, not international
    [InlineData("+7900123456")]    // 9 digits
    [InlineData("+70001234567")]   // +7 and 10 digits, but no such number
    [InlineData("")]
    public async Task Send_code_refuses_anything_but_a_valid_international_number(string phone)
    {
        using var client = factory.ClientFrom(AuthFactory.NewIp());

        var response = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);

        await AssertFieldErrorAsync(response, "invalid_phone", "phone");
    }

    [Fact]
    public async Task Send_code_answers_202_and_the_dev_outbox_shows_the_messages_newest_first()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());

        var first = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        factory.Time.Advance(TimeSpan.FromSeconds(31));
        var second = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var body = await second.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(300, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(30, body.GetProperty("resend_after").GetInt32());

        var outbox = await client.GetFromJsonAsync<JsonElement>($"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}", Ct);
        Assert.Equal(2, outbox.GetArrayLength());
        Assert.True(outbox[0].GetProperty("sent_at").GetDateTimeOffset() > outbox[1].GetProperty("sent_at").GetDateTimeOffset());
        Assert.Equal(phone, outbox[0].GetProperty("phone").GetString());
        Assert.Matches(@"\b\d{6}\b", outbox[0].GetProperty("text").GetString());

        // Only a hash of the code is stored.
        var code = await factory.LatestCodeAsync(client, phone);
        await using var db = factory.Database.CreateContext();
        var row = await db.PhoneCodes.SingleAsync(c => c.Phone == phone, Ct);
        Assert.Equal(32, row.CodeHash.Length);
        Assert.DoesNotContain(code, Convert.ToHexString(row.CodeHash) + Convert.ToBase64String(row.CodeHash), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Second_code_for_a_phone_within_30_seconds_is_rate_limited_with_retry_after()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        factory.Time.Advance(TimeSpan.FromSeconds(10));

        var limited = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);

        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "otp_rate_limited");
        Assert.Equal(TimeSpan.FromSeconds(20), limited.Headers.RetryAfter?.Delta);

        factory.Time.Advance(TimeSpan.FromSeconds(20));
        var again = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task Sixth_code_request_from_one_ip_within_an_hour_is_rate_limited()
    {
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        for (var i = 0; i < 5; i++)
        {
            var accepted = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var limited = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct);

        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "otp_rate_limited");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 3590, 3600);
        // Another client is not affected: the limit is per client IP (X-Forwarded-For from the loopback proxy).
        using var other = factory.ClientFrom(AuthFactory.NewIp());
        var otherIp = await other.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, otherIp.StatusCode);
    }

    [Fact]
    public async Task A_new_code_invalidates_the_previous_one()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var oldCode = await factory.LatestCodeAsync(client, phone);
        factory.Time.Advance(TimeSpan.FromSeconds(30));
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var newCode = await factory.LatestCodeAsync(client, phone);

        var withOld = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = oldCode }, Ct);
        var withNew = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = newCode }, Ct);

        if (oldCode != newCode)
        {
            await AssertProblemAsync(withOld, HttpStatusCode.BadRequest, "otp_invalid");
        }
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
    }

    [Fact]
    public async Task Wrong_code_is_otp_invalid_with_attempts_left_and_a_spent_code_cannot_be_reused()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var code = await factory.LatestCodeAsync(client, phone);

        var wrong = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = WrongCode(code) }, Ct);

        var problem = await AssertProblemAsync(wrong, HttpStatusCode.BadRequest, "otp_invalid");
        Assert.Equal(4, problem.GetProperty("attempts_left").GetInt32());

        var right = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        var replay = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct);
        await AssertProblemAsync(replay, HttpStatusCode.BadRequest, "otp_invalid");
    }

    [Fact]
    public async Task A_code_past_its_contract_bound_is_a_field_error_and_spends_no_attempt()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var code = await factory.LatestCodeAsync(client, phone);

        var tooLong = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = new string('1', 33) }, Ct);

        await AssertFieldErrorAsync(tooLong, "validation_failed", "code");
        var wrong = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = WrongCode(code) }, Ct);
        Assert.Equal(4, (await AssertProblemAsync(wrong, HttpStatusCode.BadRequest, "otp_invalid")).GetProperty("attempts_left").GetInt32());
    }

    [Fact]
    public async Task Code_older_than_5_minutes_is_otp_expired()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var code = await factory.LatestCodeAsync(client, phone);
        factory.Time.Advance(TimeSpan.FromMinutes(5));

        var response = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "otp_expired");
    }

    [Fact]
    public async Task Fifth_wrong_code_locks_the_phone_for_an_hour_even_for_the_right_code()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var code = await factory.LatestCodeAsync(client, phone);

        for (var left = 4; left >= 1; left--)
        {
            var wrong = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = WrongCode(code) }, Ct);
            var problem = await AssertProblemAsync(wrong, HttpStatusCode.BadRequest, "otp_invalid");
            Assert.Equal(left, problem.GetProperty("attempts_left").GetInt32());
        }
        var fifth = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = WrongCode(code) }, Ct);
        await AssertProblemAsync(fifth, HttpStatusCode.Locked, "phone_locked");
        Assert.Equal(TimeSpan.FromHours(1), fifth.Headers.RetryAfter?.Delta);

        factory.Time.Advance(TimeSpan.FromMinutes(10));
        var right = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct);
        await AssertProblemAsync(right, HttpStatusCode.Locked, "phone_locked");
        Assert.Equal(TimeSpan.FromMinutes(50), right.Headers.RetryAfter?.Delta);
        var resend = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        await AssertProblemAsync(resend, HttpStatusCode.Locked, "phone_locked");

        // After the hour the phone signs in again with a fresh code.
        factory.Time.Advance(TimeSpan.FromMinutes(50));
        using var later = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await later.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var fresh = await factory.LatestCodeAsync(later, phone);
        Assert.Equal(HttpStatusCode.OK, (await later.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = fresh }, Ct)).StatusCode);
    }

    [Fact]
    public async Task First_sign_in_creates_a_student_publishes_user_registered_and_answers_tokens()
    {
        var phone = AuthFactory.NewPhone();

        var tokens = await factory.SignInAsync(phone);

        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal(900, tokens.GetProperty("expires_in").GetInt32());
        Assert.Equal(30 * 86400, tokens.GetProperty("refresh_expires_in").GetInt32());
        Assert.Equal(43, tokens.GetProperty("refresh_token").GetString()!.Length);
        var user = tokens.GetProperty("user");
        Assert.Equal(phone, user.GetProperty("phone").GetString());
        Assert.Equal(["student"], user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("active", user.GetProperty("status").GetString());
        var userId = user.GetProperty("id").GetGuid();

        // A second sign-in finds the same account and publishes nothing new.
        factory.Time.Advance(TimeSpan.FromSeconds(31));
        var again = await factory.SignInAsync(phone);
        Assert.Equal(userId, again.GetProperty("user").GetProperty("id").GetGuid());

        await using var db = factory.Database.CreateContext();
        var events = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.RoutingKey == "auth.user.registered").Select(m => m.Payload).ToListAsync(Ct);
        var registered = Assert.Single(events.Select(p => JsonDocument.Parse(p).RootElement), e => e.GetProperty("user_id").GetGuid() == userId);
        Assert.Equal("auth.user.registered", registered.GetProperty("type").GetString());
        Assert.Equal(phone, registered.GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Remember_me_gives_a_60_day_refresh_token()
    {
        var tokens = await factory.SignInAsync(AuthFactory.NewPhone(), rememberMe: true);

        Assert.Equal(60 * 86400, tokens.GetProperty("refresh_expires_in").GetInt32());
    }

    [Fact]
    public async Task Bootstrap_admin_phone_gets_the_admin_role_on_sign_in()
    {
        const string admin = "+79000000000"; // appsettings.Development.json
        await using (var db = factory.Database.CreateContext())
        {
            await db.Users.Where(u => u.Phone == admin).ExecuteDeleteAsync(Ct);
        }

        var tokens = await factory.SignInAsync(admin);

        Assert.Contains("admin", tokens.GetProperty("user").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Blocked_user_cannot_sign_in()
    {
        var phone = AuthFactory.NewPhone();
        await factory.SignInAsync(phone);
        await using (var db = factory.Database.CreateContext())
        {
            await db.Users.Where(u => u.Phone == phone).ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UserStatus.Blocked), Ct);
        }
        factory.Time.Advance(TimeSpan.FromSeconds(31));
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var code = await factory.LatestCodeAsync(client, phone);

        var response = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "user_blocked");
    }

    [Fact]
    public async Task Metrics_count_codes_and_sign_ins()
    {
        await factory.SignInAsync(AuthFactory.NewPhone());
        using var client = factory.CreateClient();

        var metrics = await client.GetStringAsync("/metrics", Ct);

        Assert.Contains("campus_auth_otp_sent_total", metrics);
        Assert.Contains("campus_auth_otp_verified_total", metrics);
        Assert.Contains("campus_auth_logins_total{", metrics);
    }

    [Fact]
    public async Task Parallel_code_requests_from_one_ip_cannot_exceed_the_hourly_limit()
    {
        using var client = factory.ClientFrom(AuthFactory.NewIp());

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct)));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Parallel_verifications_of_one_code_sign_in_once()
    {
        var phone = AuthFactory.NewPhone();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var code = await factory.LatestCodeAsync(client, phone);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.Sessions.CountAsync(s => s.User!.Phone == phone, Ct));
    }

    [Fact]
    public async Task A_code_requested_while_a_verification_is_under_way_waits_for_it_and_is_not_spent_by_it()
    {
        var gate = new CodeReadGate();
        await using var gated = factory.WithWebHostBuilder(host => host.ConfigureServices(services =>
            services.ConfigureDbContext<AuthDbContext>(options => options.AddInterceptors(gate))));
        var phone = AuthFactory.NewPhone();
        using var owner = gated.CreateClient();
        owner.DefaultRequestHeaders.Add("X-Forwarded-For", AuthFactory.NewIp());
        using var other = gated.CreateClient();
        other.DefaultRequestHeaders.Add("X-Forwarded-For", AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var first = await factory.LatestCodeAsync(owner, phone);
        factory.Time.Advance(TimeSpan.FromSeconds(31));

        // The verification has read the first code and stops there; meanwhile another source asks for a new one.
        gate.Arm(phone);
        var verify = owner.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = first }, Ct);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var send = other.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        // Either the send is blocked behind the verification (its session waits for the phone's lock) or it finished
        // without waiting, which is the failure this test is about.
        await Wait.UntilAsync(async () => send.IsCompleted || await factory.Database.SessionsWaitingForLocksAsync() > 0);
        var sentDuringVerification = send.IsCompleted;
        gate.Release();

        Assert.Equal(HttpStatusCode.OK, (await verify).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await send).StatusCode);
        // The verification spent the code it read, not the one sent after it: the new code signs in.
        var second = await factory.LatestCodeAsync(other, phone);
        var signedIn = await other.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = second }, Ct);
        Assert.True(signedIn.StatusCode == HttpStatusCode.OK, await signedIn.Content.ReadAsStringAsync(Ct));
        Assert.False(sentDuringVerification, "the new code was stored while a verification of the old one was under way");
    }

    [Fact]
    public async Task Sms_provider_failure_is_503_and_withdraws_the_code_so_the_user_can_retry_at_once()
    {
        var phone = AuthFactory.NewPhone();
        await using var failing = factory.WithWebHostBuilder(host => host.ConfigureServices(services =>
            services.AddScoped<ISmsSender, FailingSmsSender>()));
        using var client = failing.CreateClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", AuthFactory.NewIp());

        var response = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "sms_unavailable");
        await using var db = factory.Database.CreateContext();
        Assert.False(await db.PhoneCodes.AnyAsync(c => c.Phone == phone, Ct));
        using var working = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await working.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
    }

    private sealed class FailingSmsSender : ISmsSender
    {
        public Task SendAsync(string phone, string text, CancellationToken ct) =>
            throw new SmsDeliveryException("The SMS provider refused the message: status 200 (test).");
    }

    /// <summary>Holds the first verification that reads <see cref="Arm"/>'s phone's code right after the read, until <see cref="Release"/>.</summary>
    private sealed class CodeReadGate : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _phone;

        public Task Reached => _reached.Task;

        public void Arm(string phone) => _phone = phone;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData,
            DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (_phone is { } phone && command.CommandText.Contains("FROM sms_codes", StringComparison.Ordinal)
                && command.CommandText.Contains("spent_at IS NULL", StringComparison.Ordinal)
                && command.Parameters.Cast<DbParameter>().Any(p => Equals(p.Value, phone))
                && Interlocked.CompareExchange(ref _phone, null, phone) == phone)
            {
                _reached.TrySetResult();
                await _released.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            return result;
        }
    }

    private static string WrongCode(string code) => code == "000000" ? "111111" : "000000";
}
