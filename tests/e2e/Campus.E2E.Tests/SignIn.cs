using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.Tokens;

namespace Campus.E2E.Tests;

/// <summary>
/// Real tokens from the auth service through the edge: the phone sign-in (Development: the code is read from the dev
/// SMS outbox on auth's own port), the bootstrap admin, and users given roles by that admin.
/// </summary>
internal static partial class SignIn
{
    public sealed record Session(string AccessToken, string UserId, string RefreshToken);

    /// <summary>auth's Development bootstrap admin (<c>Auth:BootstrapAdmins</c>).</summary>
    public const string AdminPhone = "+79000000000";

    private static readonly SemaphoreSlim AdminGate = new(1, 1);
    private static Session? _admin;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new user with a random +7 999 number.</summary>
    public static Task<Session> PhoneAsync() => PhoneAsync($"+7999{Random.Shared.Next(1000000, 9999999)}");

    /// <summary>
    /// Signs <paramref name="phone"/> in. A phone gets a new code at most every 30 s and the admin's phone is shared by
    /// the suites, so a 429 on send-code is waited out (its <c>Retry-After</c>) rather than failed.
    /// </summary>
    public static async Task<Session> PhoneAsync(string phone)
    {
        // A client address of its own (the edge sees 127.20.x.y): auth limits code requests per IP and hour, and the
        // suite signs in more often than that from one address.
        using var client = GatewayEdgeTests.ClientFrom($"127.20.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var sent = await client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/phone/send-code"), Api.Json(new { phone }), Ct);
            if (sent.StatusCode == HttpStatusCode.TooManyRequests && clock.Elapsed < TimeSpan.FromSeconds(70))
            {
                await Task.Delay((sent.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5)) + TimeSpan.FromMilliseconds(200), Ct);
                continue;
            }
            await Api.ExpectAsync(sent, HttpStatusCode.Accepted);
            break;
        }

        // The dev outbox is never exposed by the edge or the gateway: it is read on auth's own port.
        using var outbox = await client.GetAsync(new Uri(Platform.HostUrl("auth"), $"api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}"), Ct);
        var messages = await Api.ExpectAsync(outbox, HttpStatusCode.OK);
        // Newest first (auth's README); the text carries the code ("... код для входа 692466 ...").
        var text = messages.GetArrayLength() > 0 ? messages[0].GetProperty("text").GetString() ?? "" : "";
        var code = Code().Match(text).Value;
        Assert.True(code.Length > 0, $"no code in the dev SMS outbox for {phone}: {messages}");

        using var verified = await client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/phone/verify"), Api.Json(new { phone, code }), Ct);
        var tokens = await Api.ExpectAsync(verified, HttpStatusCode.OK);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        return new Session(accessToken, Claims(accessToken).GetProperty("sub").GetString()!, tokens.GetProperty("refresh_token").GetString()!);
    }

    /// <summary>The bootstrap admin, signed in once per run.</summary>
    public static async Task<Session> AdminAsync()
    {
        await AdminGate.WaitAsync(Ct);
        try
        {
            return _admin ??= await PhoneAsync(AdminPhone);
        }
        finally
        {
            AdminGate.Release();
        }
    }

    /// <summary>A new user given <paramref name="roles"/> by the admin, with a refreshed token that carries them.</summary>
    public static async Task<Session> WithRolesAsync(params string[] roles)
    {
        var user = await PhoneAsync();
        using (var granted = await Api.SendAsync(await AdminAsync(), HttpMethod.Put, $"api/auth/users/{user.UserId}/roles", new { roles }))
        {
            await Api.ExpectAsync(granted, HttpStatusCode.OK);
        }
        using var refreshed = await Http.Client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/token/refresh"),
            Api.Json(new { refresh_token = user.RefreshToken }), Ct);
        var tokens = await Api.ExpectAsync(refreshed, HttpStatusCode.OK);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var carried = Claims(accessToken).GetProperty("roles").GetString()!.Split(' ');
        Assert.All(roles, role => Assert.Contains(role, carried));
        return new Session(accessToken, user.UserId, tokens.GetProperty("refresh_token").GetString()!);
    }

    /// <summary>The payload of a JWT (not verified: the token came from auth in this run).</summary>
    public static JsonElement Claims(string accessToken) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(accessToken.Split('.')[1])).RootElement.Clone();

    [GeneratedRegex(@"\b\d{4,8}\b")]
    private static partial Regex Code();
}
