using System.Net;

namespace Campus.E2E.Tests;

/// <summary>
/// Phone sign-in abuse through the edge: spellings of one number, an attacker's wrong codes against the owner, and the
/// development SMS outbox (which shows every code) never reachable from outside.
/// </summary>
public sealed class SignInAbuseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Uri Edge(string path) => new(Platform.EdgeUrl, path);

    private static HttpClient NewSource() =>
        GatewayEdgeTests.ClientFrom($"127.21.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}");

    private static string NewPhone() => $"+7999{Random.Shared.Next(1000000, 9999999)}";

    [Fact]
    public async Task A_number_spelt_with_a_newline_or_non_ascii_digits_is_refused_and_spellings_map_to_one_account()
    {
        var phone = NewPhone();
        using var client = NewSource();
        foreach (var spelling in new[] { phone + "\n", ToDigits(phone, '٠'), ToDigits(phone, '０') })
        {
            using var refused = await client.PostAsync(Edge("api/auth/phone/send-code"), Api.Json(new { phone = spelling }), Ct);
            await Api.ExpectCodeAsync(refused, HttpStatusCode.BadRequest, "invalid_phone");
        }

        // "+7 (999) 123-45-67" signs in to the account of +79991234567, and shares its limits.
        var grouped = $"+7 ({phone[2..5]}) {phone[5..8]}-{phone[8..10]}-{phone[10..]}";
        using (var sent = await client.PostAsync(Edge("api/auth/phone/send-code"), Api.Json(new { phone = grouped }), Ct))
        {
            await Api.ExpectAsync(sent, HttpStatusCode.Accepted);
        }
        using (var again = await NewSource().PostAsync(Edge("api/auth/phone/send-code"), Api.Json(new { phone }), Ct))
        {
            await Api.ExpectCodeAsync(again, HttpStatusCode.TooManyRequests, "otp_rate_limited");
        }
        var code = await LatestCodeAsync(phone);
        using var verified = await client.PostAsync(Edge("api/auth/phone/verify"),
            Api.Json(new { phone = $"+7 {phone[2..5]} {phone[5..8]} {phone[8..10]} {phone[10..]}", code }), Ct);
        var user = (await Api.ExpectAsync(verified, HttpStatusCode.OK)).GetProperty("user");
        Assert.Equal(phone, user.GetProperty("phone").GetString());

        using var search = await Api.SendAsync(await SignIn.AdminAsync(), HttpMethod.Get, $"api/auth/users?search={phone[1..]}");
        var found = (await Api.ExpectAsync(search, HttpStatusCode.OK)).GetProperty("items");
        Assert.Equal(user.GetProperty("id").GetString(), Assert.Single(found.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_attackers_wrong_codes_from_one_source_do_not_stop_the_owner_signing_in_from_another()
    {
        var phone = NewPhone();
        using var attacker = NewSource();

        // Five wrong codes, without a code ever being sent: the phone is locked for the attacker's address only.
        for (var i = 1; i <= 5; i++)
        {
            using var wrong = await attacker.PostAsync(Edge("api/auth/phone/verify"), Api.Json(new { phone, code = "000000" }), Ct);
            await Api.ExpectCodeAsync(wrong, i < 5 ? HttpStatusCode.BadRequest : HttpStatusCode.Locked, i < 5 ? "otp_invalid" : "phone_locked");
        }
        using (var locked = await attacker.PostAsync(Edge("api/auth/phone/send-code"), Api.Json(new { phone }), Ct))
        {
            await Api.ExpectCodeAsync(locked, HttpStatusCode.Locked, "phone_locked");
            Assert.NotNull(locked.Headers.RetryAfter);
        }

        var owner = await SignIn.PhoneAsync(phone);

        Assert.False(string.IsNullOrEmpty(owner.AccessToken));
    }

    [Theory]
    [InlineData("api/auth/dev/sms-outbox?phone=%2B79000000000")]
    [InlineData("api/auth/DEV/sms-outbox?phone=%2B79000000000")]
    [InlineData("api/auth//dev/sms-outbox?phone=%2B79000000000")]
    [InlineData("api/auth/%64ev/sms-outbox?phone=%2B79000000000")]
    [InlineData("api/auth/dev")]
    public async Task The_dev_sms_outbox_is_refused_by_the_edge(string path)
    {
        using var response = await Http.Client.GetAsync(Edge(path), Ct);

        await Api.ExpectCodeAsync(response, HttpStatusCode.NotFound, "not_found");
        // It is there, on auth's own port (Development): the edge refused it, not its absence.
        using var direct = await Http.Client.GetAsync(new Uri(Platform.HostUrl("auth"), "api/auth/dev/sms-outbox?phone=%2B79000000000"), Ct);
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
    }

    private static async Task<string> LatestCodeAsync(string phone)
    {
        using var outbox = await Http.Client.GetAsync(new Uri(Platform.HostUrl("auth"), $"api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}"), Ct);
        var messages = await Api.ExpectAsync(outbox, HttpStatusCode.OK);
        return System.Text.RegularExpressions.Regex.Match(messages[0].GetProperty("text").GetString() ?? "", @"\b\d{6}\b").Value;
    }

    // The same number in another script's digits (zero = '٠' Arabic-Indic, '０' full-width).
    private static string ToDigits(string phone, char zero) =>
        "+" + string.Concat(phone[1..].Select(c => (char)(zero + (c - '0'))));
}
