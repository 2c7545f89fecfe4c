using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Campus.Testing;

/// <summary>
/// The classic attacks on JWT validation, made from a real token: each result must be refused by every Campus host.
/// </summary>
public static class ForgedTokens
{
    /// <summary>The signature of the original over a changed payload (here: promoted to admin).</summary>
    public static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(parts[1]))!;
        payload["roles"] = "admin";
        return $"{parts[0]}.{Encode(JsonSerializer.Serialize(payload))}.{parts[2]}";
    }

    /// <summary><c>alg: none</c> with no signature.</summary>
    public static string Unsigned(string token) =>
        $"{Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{token.Split('.')[1]}.";

    /// <summary>The header names <paramref name="kid"/>; the signature is still the original key's.</summary>
    public static string WithKid(string token, string kid)
    {
        var parts = token.Split('.');
        var header = JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(parts[0]))!;
        header["kid"] = kid;
        return $"{Encode(JsonSerializer.Serialize(header))}.{parts[1]}.{parts[2]}";
    }

    /// <summary>Algorithm confusion: HS256 keyed with the published (public) key set <paramref name="jwksDocument"/>.</summary>
    public static string HmacSignedWithPublicKeySet(string token, string jwksDocument, string? kid)
    {
        var header = Encode($"{{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"{kid ?? "unknown"}\"}}");
        var payload = token.Split('.')[1];
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(jwksDocument), Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>The <c>kid</c> of the first key in a JWKS document, if any.</summary>
    public static string? FirstKid(string jwksDocument)
    {
        var keys = JsonDocument.Parse(jwksDocument).RootElement.GetProperty("keys");
        return keys.GetArrayLength() > 0 && keys[0].TryGetProperty("kid", out var kid) ? kid.GetString() : null;
    }

    private static string Encode(string json) => Base64UrlEncoder.Encode(json);
}
