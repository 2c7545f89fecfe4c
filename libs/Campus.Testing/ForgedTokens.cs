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

    /// <summary>
    /// The same token with the other valid encoding of its ES256 signature, (r, n − s) with s above n/2: it verifies,
    /// yet hosts must refuse it (signatures are accepted in low-S form only). Written here independently of the
    /// hosts' own check, so a test does not grade the code with itself.
    /// </summary>
    public static string WithHighS(string token) => SetS(token, high: true);

    /// <summary>The same token with its ES256 signature in low-S form (s at most n/2), as the auth service signs.</summary>
    public static string WithLowS(string token) => SetS(token, high: false);

    private static readonly System.Numerics.BigInteger P256Order = System.Numerics.BigInteger.Parse(
        "0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    private static string SetS(string token, bool high)
    {
        var dot = token.LastIndexOf('.');
        var signature = Base64UrlEncoder.DecodeBytes(token[(dot + 1)..]);
        var s = new System.Numerics.BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: true);
        if (s > P256Order / 2 == high)
        {
            return token;
        }
        var other = (P256Order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var flipped = signature[..32].Concat(new byte[32 - other.Length]).Concat(other).ToArray();
        return token[..(dot + 1)] + Base64UrlEncoder.Encode(flipped);
    }
}
