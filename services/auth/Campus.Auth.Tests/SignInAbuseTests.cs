using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Auth.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace Campus.Auth.Tests;

/// <summary>
/// Abuse of phone sign-in: spellings of one number, SMS pumping, locking the owner out, distributed guessing, sources
/// that keep failing, and the dev SMS provider outside Development.
/// </summary>
public sealed class SignInAbuseTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("+79001234567\n")]                // a trailing newline (.NET's $ matches before it)
    [InlineData("+79001234567 ")]
    [InlineData(" +79001234567")]
    [InlineData("+7\t9001234567")]
    [InlineData("+7  900 123 45 67")]             // two separators in a row
    [InlineData("+٧٩٠٠١٢٣٤٥٦٧")]                  // Arabic-Indic digits
    [InlineData("+７９００１２３４５６７")]        // full-width digits
    [InlineData("+7900123456\u0667")]             // one non-ASCII digit
    [InlineData("+79001234567\u200B")]            // zero-width space
    [InlineData("+7 900 123-45-67 ext. 1")]       // an extension
    [InlineData("+7 (900 123-45-67")]             // an unclosed parenthesis
    public async Task A_phone_spelt_with_control_characters_or_non_ascii_digits_is_invalid_phone(string phone)
    {
        using var client = factory.ClientFrom(AuthFactory.NewIp());

        var sent = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var verified = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = "123456" }, Ct);

        await AssertFieldErrorAsync(sent, "invalid_phone", "phone");
        await AssertFieldErrorAsync(verified, "invalid_phone", "phone");
    }

    [Fact]
    public async Task Spellings_of_one_number_share_its_limits_and_sign_in_to_one_account()
    {
        var phone = AuthFactory.NewPhone();   // +799XXXXXXXX
        var grouped = $"+7 ({phone[2..5]}) {phone[5..8]}-{phone[8..10]}-{phone[10..]}";
        var spaced = $"+7 {phone[2..5]} {phone[5..8]} {phone[8..10]} {phone[10..]}";
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        using var other = factory.ClientFrom(AuthFactory.NewIp());

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = grouped }, Ct)).StatusCode);
        // The same number in another spelling, from elsewhere, is the same key: one code per 30 s.
        var again = await other.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        await AssertProblemAsync(again, HttpStatusCode.TooManyRequests, "otp_rate_limited");

        var code = await factory.LatestCodeAsync(client, phone);
        var signedIn = await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone = spaced, code }, Ct);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var user = (await signedIn.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("user");
        Assert.Equal(phone, user.GetProperty("phone").GetString());

        factory.Time.Advance(TimeSpan.FromSeconds(31));
        var later = await factory.SignInAsync(phone);
        Assert.Equal(user.GetProperty("id").GetGuid(), later.GetProperty("user").GetProperty("id").GetGuid());
        await using var db = factory.Database.CreateContext();
        Assert.Equal(phone, Assert.Single(await db.PhoneCodes.Where(c => c.Phone.EndsWith(phone.Substring(2))).Select(c => c.Phone).ToListAsync(Ct)));
        Assert.Equal(1, await db.Users.CountAsync(u => u.Phone == phone, Ct));
    }

    [Theory]
    [InlineData("+74951234567")]   // Moscow landline
    [InlineData("+78001234567")]   // toll-free
    [InlineData("+78091234567")]   // premium rate
    [InlineData("+77011234567")]   // Kazakhstan mobile (+7 7xx)
    [InlineData("+447911123456")]  // a British mobile
    public async Task Codes_are_sent_only_to_Russian_mobile_numbers(string phone)
    {
        using var client = factory.ClientFrom(AuthFactory.NewIp());

        var response = await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);

        await AssertFieldErrorAsync(response, "phone_not_supported", "phone");
        await using var db = factory.Database.CreateContext();
        Assert.False(await db.Set<Campus.Auth.Sms.DevSmsMessage>().AnyAsync(m => m.Phone == phone, Ct));
    }

    [Fact]
    public async Task Wrong_codes_from_an_attacker_do_not_stop_the_owner_signing_in_from_another_source()
    {
        var phone = AuthFactory.NewPhone();
        using var attacker = factory.ClientFrom(AuthFactory.NewIp());

        // No code was ever sent: the attacker only guesses.
        for (var left = 4; left >= 1; left--)
        {
            var wrong = await attacker.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = "000000" }, Ct);
            Assert.Equal(left, (await AssertProblemAsync(wrong, HttpStatusCode.BadRequest, "otp_invalid")).GetProperty("attempts_left").GetInt32());
        }
        var fifth = await attacker.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = "000000" }, Ct);
        await AssertProblemAsync(fifth, HttpStatusCode.Locked, "phone_locked");
        Assert.Equal(TimeSpan.FromHours(1), fifth.Headers.RetryAfter?.Delta);
        await AssertProblemAsync(await attacker.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct),
            HttpStatusCode.Locked, "phone_locked");

        using var owner = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var code = await factory.LatestCodeAsync(owner, phone);
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_guesser_spread_over_many_sources_is_stopped_while_the_owner_signs_in()
    {
        var phone = AuthFactory.NewPhone();
        using var owner = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var code = await factory.LatestCodeAsync(owner, phone);
        var wrongCode = code == "000000" ? "111111" : "000000";

        // Auth:Otp:MaxFailuresPerPhone (10) wrong codes, one from each of ten addresses: no pair lock is reached.
        for (var i = 0; i < 10; i++)
        {
            using var guesser = factory.ClientFrom(AuthFactory.NewIp());
            await AssertProblemAsync(await guesser.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = wrongCode }, Ct),
                HttpStatusCode.BadRequest, "otp_invalid");
        }

        // Now even the right code is refused from anywhere but the source that asked for it.
        using var lucky = factory.ClientFrom(AuthFactory.NewIp());
        var guessed = await lucky.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct);
        await AssertProblemAsync(guessed, HttpStatusCode.Locked, "phone_guarded");
        Assert.Equal(TimeSpan.FromHours(1), guessed.Headers.RetryAfter?.Delta);

        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct)).StatusCode);
    }

    [Fact]
    public async Task While_a_phone_is_guarded_one_wrong_code_spends_its_code()
    {
        var phone = AuthFactory.NewPhone();
        for (var i = 0; i < 10; i++)
        {
            using var guesser = factory.ClientFrom(AuthFactory.NewIp());
            await guesser.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = "000000" }, Ct);
        }
        using var requester = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await requester.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var code = await factory.LatestCodeAsync(requester, phone);

        await AssertProblemAsync(await requester.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = code == "000000" ? "111111" : "000000" }, Ct),
            HttpStatusCode.BadRequest, "otp_invalid");
        // The right code now finds nothing to verify: the requester asks for a new one.
        await AssertProblemAsync(await requester.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct),
            HttpStatusCode.Locked, "phone_guarded");
    }

    [Fact]
    public async Task While_a_phone_is_guarded_other_sources_get_their_own_codes_and_cannot_take_the_owners()
    {
        var phone = AuthFactory.NewPhone();
        using var owner = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var code = await factory.LatestCodeAsync(owner, phone);
        await GuardAsync(phone, code == "000000" ? "111111" : "000000");

        // Before, this replaced the owner's code and only the attacker's source could enter the new one.
        factory.Time.Advance(TimeSpan.FromSeconds(31));
        using var attacker = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await attacker.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        await AssertProblemAsync(await attacker.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct),
            HttpStatusCode.TooManyRequests, "otp_rate_limited");
        var attackersCode = await factory.LatestCodeAsync(owner, phone);
        Assert.Equal(2, await SmsCountAsync(owner, phone));

        // Each code belongs to the source that asked for it: the attacker's is refused from a third source unchecked.
        using var third = factory.ClientFrom(AuthFactory.NewIp());
        await AssertProblemAsync(await third.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = attackersCode }, Ct),
            HttpStatusCode.Locked, "phone_guarded");
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct)).StatusCode);
    }

    [Fact]
    public async Task While_a_phone_is_guarded_the_owner_asks_again_whatever_other_sources_asked_for()
    {
        var phone = AuthFactory.NewPhone();
        using var owner = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        await GuardAsync(phone, "000000" == await factory.LatestCodeAsync(owner, phone) ? "111111" : "000000");
        factory.Time.Advance(TimeSpan.FromMinutes(5));   // the owner's code expired

        // Before, the first source to ask once the code expired held the phone for its code's five minutes.
        using var attacker = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await attacker.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var code = await factory.LatestCodeAsync(owner, phone);

        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct)).StatusCode);
        await using var db = factory.Database.CreateContext();
        Assert.Equal(2, await db.PhoneCodes.CountAsync(c => c.Phone == phone, Ct));
        Assert.Equal(1, await db.PhoneCodes.CountAsync(c => c.Phone == phone && c.SpentAt == null, Ct));   // the attacker's, useless elsewhere
    }

    [Fact]
    public async Task Outside_a_guard_a_new_code_from_another_source_replaces_the_previous_one()
    {
        var phone = AuthFactory.NewPhone();
        using var first = factory.ClientFrom(AuthFactory.NewIp());
        using var second = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await first.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var replaced = await factory.LatestCodeAsync(first, phone);
        factory.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.Accepted, (await second.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
        var code = await factory.LatestCodeAsync(first, phone);

        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.PhoneCodes.CountAsync(c => c.Phone == phone, Ct));
        if (replaced != code)
        {
            await AssertProblemAsync(await first.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = replaced }, Ct),
                HttpStatusCode.BadRequest, "otp_invalid");
        }
        // Outside a guard the code is not bound to the network that asked for it (a phone may change networks).
        Assert.Equal(HttpStatusCode.OK, (await first.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct)).StatusCode);
    }

    // Auth:Otp:MaxFailuresPerPhone (10) wrong codes, one from each of ten addresses: the phone is guarded for an hour.
    private async Task GuardAsync(string phone, string wrongCode)
    {
        for (var i = 0; i < 10; i++)
        {
            using var guesser = factory.ClientFrom(AuthFactory.NewIp());
            await AssertProblemAsync(await guesser.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code = wrongCode }, Ct),
                HttpStatusCode.BadRequest, "otp_invalid");
        }
        await using var db = factory.Database.CreateContext();
        Assert.True(await db.Set<PhoneGuard>().AnyAsync(g => g.Phone == phone && g.GuardedUntil > factory.Time.GetUtcNow(), Ct));
    }

    private static async Task<int> SmsCountAsync(HttpClient client, string phone) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}", Ct)).GetArrayLength();

    [Fact]
    public async Task A_source_that_keeps_failing_is_blocked_for_growing_periods_and_others_are_not()
    {
        using var source = factory.ClientFrom(AuthFactory.NewIp());

        async Task<HttpResponseMessage> FailUntilBlockedAsync()
        {
            // Auth:Otp:MaxFailuresPerSourcePerHour (20) wrong codes, each for another phone: no pair lock, no guard.
            for (var i = 1; i < 20; i++)
            {
                await AssertProblemAsync(await source.PostAsJsonAsync("/api/auth/phone/verify", new { phone = AuthFactory.NewPhone(), code = "000000" }, Ct),
                    HttpStatusCode.BadRequest, "otp_invalid");
            }
            return await source.PostAsJsonAsync("/api/auth/phone/verify", new { phone = AuthFactory.NewPhone(), code = "000000" }, Ct);
        }

        var first = await FailUntilBlockedAsync();
        await AssertProblemAsync(first, HttpStatusCode.TooManyRequests, "source_blocked");
        Assert.Equal(TimeSpan.FromMinutes(15), first.Headers.RetryAfter?.Delta);
        var send = await source.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct);
        await AssertProblemAsync(send, HttpStatusCode.TooManyRequests, "source_blocked");
        using var other = factory.ClientFrom(AuthFactory.NewIp());
        Assert.Equal(HttpStatusCode.Accepted, (await other.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct)).StatusCode);

        factory.Time.Advance(TimeSpan.FromMinutes(15));
        var second = await FailUntilBlockedAsync();
        await AssertProblemAsync(second, HttpStatusCode.TooManyRequests, "source_blocked");
        Assert.Equal(TimeSpan.FromMinutes(30), second.Headers.RetryAfter?.Delta);

        factory.Time.Advance(TimeSpan.FromMinutes(30));
        var third = await FailUntilBlockedAsync();
        Assert.Equal(TimeSpan.FromMinutes(60), third.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task IPv6_addresses_of_one_64_prefix_are_one_source()
    {
        var prefix = $"2001:db8:{Random.Shared.Next(0x10000):x}:{Random.Shared.Next(0x10000):x}";
        for (var i = 1; i <= 5; i++)
        {
            using var client = factory.ClientFrom($"{prefix}::{i:x}");
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct)).StatusCode);
        }

        using var sixth = factory.ClientFrom($"{prefix}:1:2:3:4");
        await AssertProblemAsync(await sixth.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct),
            HttpStatusCode.TooManyRequests, "otp_rate_limited");
    }

    [Fact]
    public async Task The_dev_sms_provider_outside_Development_stops_the_host_at_start_naming_the_setting()
    {
        await using var production = factory.WithWebHostBuilder(host => host
            .UseEnvironment(Environments.Production)
            .UseSetting("Sms:Provider", "dev"));

        var failure = Assert.ThrowsAny<Exception>(() => production.CreateClient());

        Assert.Contains("Sms:Provider", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bootstrap_admin_phone_in_any_accepted_spelling_matches_its_E164_form()
    {
        var phone = AuthFactory.NewPhone();
        await using var configured = factory.WithWebHostBuilder(host =>
            host.UseSetting("Auth:BootstrapAdmins:0", $"+7 ({phone[2..5]}) {phone[5..8]}-{phone[8..10]}-{phone[10..]}"));
        using var client = configured.CreateClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", AuthFactory.NewIp());
        await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);
        var code = await factory.LatestCodeAsync(client, phone);

        var tokens = await (await client.PostAsJsonAsync("/api/auth/phone/verify", new { phone, code }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Contains("admin", tokens.GetProperty("user").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }
}

/// <summary>An auth host with a tiny hourly SMS budget, on a database of its own (the budget is service-wide).</summary>
public sealed class SmallSmsBudgetFactory : AuthFactory
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:Otp:MaxSmsPerHour"] = "3",
    };
}

public sealed class SmsBudgetTests(SmallSmsBudgetFactory factory) : IClassFixture<SmallSmsBudgetFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_the_hourly_sms_budget_is_spent_codes_are_refused_with_503_retry_after_and_an_alert()
    {
        for (var i = 0; i < 3; i++)
        {
            using var client = factory.ClientFrom(AuthFactory.NewIp());
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct)).StatusCode);
        }
        var phone = AuthFactory.NewPhone();
        using var late = factory.ClientFrom(AuthFactory.NewIp());

        var refused = await late.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct);

        await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "sms_budget_exhausted");
        var now = factory.Time.GetUtcNow();
        var nextHour = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour + 1), TimeSpan.Zero);
        Assert.Equal(Math.Ceiling((nextHour - now).TotalSeconds), refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds);
        await using (var db = factory.Database.CreateContext())
        {
            Assert.False(await db.PhoneCodes.AnyAsync(c => c.Phone == phone, Ct));
            Assert.Equal(1, await db.Set<SmsBudgetWindow>().Where(w => w.WindowStart == nextHour.AddHours(-1)).Select(w => w.Refused).SingleAsync(Ct));
        }
        using var metrics = factory.CreateClient();
        Assert.Contains("campus_auth_sms_budget_exhausted_total", await metrics.GetStringAsync("/metrics", Ct));

        // The next hour has a budget of its own; the refused request did not spend the client's per-IP allowance.
        factory.Time.Advance(nextHour - now);
        Assert.Equal(HttpStatusCode.Accepted, (await late.PostAsJsonAsync("/api/auth/phone/send-code", new { phone }, Ct)).StatusCode);
    }
}
