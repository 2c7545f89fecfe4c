using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BenchKit;

/// <summary>A signed-in benchmark user: the id (the token's <c>sub</c>) and the tokens of auth's answer.</summary>
public sealed record SignedIn(string UserId, string AccessToken, string RefreshToken);

/// <summary>
/// Phone sign-in against auth's own port in Development: the code is read from the dev SMS outbox (newest first).
/// Each simulated client gets its own <c>X-Forwarded-For</c> address (10.x.y.z, a prefix per run); auth believes it
/// only because <paramref name="http"/> connects from <see cref="BenchHttp.TrustedSourceAddress"/> — create it with
/// <see cref="CreateClient"/>.
/// </summary>
public sealed partial class PhoneSignIn(HttpClient http, Uri auth, int run)
{
    private int _ipCounter;

    /// <summary>A client for auth, connecting from <paramref name="sourceAddress"/> (default: the trusted gateway address).</summary>
    public static HttpClient CreateClient(int maxConnections, string? sourceAddress = BenchHttp.TrustedSourceAddress) =>
        BenchHttp.Create(maxConnections, TimeSpan.FromSeconds(30), sourceAddress);

    /// <summary>The next client address of this run: one per sign-in, so auth's per-source limits are not what is measured.</summary>
    public string NextIp()
    {
        var n = Interlocked.Increment(ref _ipCounter);
        return string.Create(CultureInfo.InvariantCulture, $"10.{run % 200}.{n / 250 % 250}.{n % 250 + 1}");
    }

    /// <summary>Requests a code for <paramref name="phone"/>; waits out the per-phone resend interval (a phone shared with earlier runs).</summary>
    public async Task SendCodeAsync(string phone, string ip, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var sent = await http.SendAsync(Post("/api/auth/phone/send-code", new { phone }, ip), ct);
            if (sent.StatusCode == HttpStatusCode.TooManyRequests && attempt < 4)
            {
                await Task.Delay((sent.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(10)) + TimeSpan.FromMilliseconds(200), ct);
                continue;
            }
            await BenchHttp.EnsureAsync(sent, $"send-code {phone}");
            return;
        }
    }

    /// <summary>The code of the newest SMS sent to <paramref name="phone"/>.</summary>
    public async Task<string> LatestCodeAsync(string phone, CancellationToken ct = default)
    {
        var outbox = await http.GetFromJsonAsync<JsonElement>(new Uri(auth, $"/api/auth/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}"), ct);
        return Code().Match(outbox[0].GetProperty("text").GetString()!).Value;
    }

    /// <summary>Verifies a code; the answer is returned as it came (the caller decides what a refusal means).</summary>
    public Task<HttpResponseMessage> VerifyAsync(string phone, string code, string? ip, CancellationToken ct = default) =>
        http.SendAsync(Post("/api/auth/phone/verify", new { phone, code }, ip), ct);

    /// <summary>Code request, outbox, verification, from one new client address.</summary>
    public async Task<SignedIn> SignInAsync(string phone, CancellationToken ct = default)
    {
        var ip = NextIp();
        await SendCodeAsync(phone, ip, ct);
        var code = await LatestCodeAsync(phone, ct);
        using var verified = await VerifyAsync(phone, code, ip, ct);
        await BenchHttp.EnsureAsync(verified, $"verify {phone}");
        var body = await verified.Content.ReadFromJsonAsync<JsonElement>(ct);
        var access = body.GetProperty("access_token").GetString()!;
        return new SignedIn(Subject(access), access, body.GetProperty("refresh_token").GetString()!);
    }

    /// <summary><paramref name="count"/> users signed in, eight at a time; user i has the phone <paramref name="phoneOf"/>(i).</summary>
    public async Task<SignedIn[]> SignInManyAsync(int count, Func<int, string> phoneOf)
    {
        var result = new SignedIn[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            result[i] = await SignInAsync(phoneOf(i), ct));
        return result;
    }

    /// <summary>A POST to auth with the client address in <c>X-Forwarded-For</c> (none when <paramref name="ip"/> is null).</summary>
    public HttpRequestMessage Post(string path, object body, string? ip)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(auth, path)) { Content = JsonContent.Create(body) };
        if (ip is not null)
        {
            request.Headers.Add("X-Forwarded-For", ip);
        }
        return request;
    }

    private static string Subject(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.GetProperty("sub").GetString()!;
    }

    [GeneratedRegex(@"\b\d{4,8}\b")]
    private static partial Regex Code();
}
