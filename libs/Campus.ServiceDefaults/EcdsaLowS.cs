using System.Buffers.Text;
using System.Numerics;

namespace Campus.ServiceDefaults;

/// <summary>
/// ES256 signatures in canonical low-S form. For every ECDSA signature (r, s) the pair (r, n − s) verifies too, so a
/// token has two valid encodings; accepting both makes tokens malleable (a changed token that still verifies defeats
/// anything keyed by the token's bytes). Validators refuse s &gt; n/2; the signer normalises, because .NET's ECDsa
/// produces a high s about half the time.
/// </summary>
public static class EcdsaLowS
{
    /// <summary>The order n of the P-256 group.</summary>
    private static readonly BigInteger Order = BigInteger.Parse(
        "00FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    private static readonly BigInteger HalfOrder = Order >> 1;

    private const int ScalarBytes = 32;

    /// <summary>Whether a JWS ES256 signature (r ‖ s, 64 bytes) has s above n/2.</summary>
    public static bool IsHighS(ReadOnlySpan<byte> signature) =>
        signature.Length == 2 * ScalarBytes
        && new BigInteger(signature[ScalarBytes..], isUnsigned: true, isBigEndian: true) > HalfOrder;

    /// <summary>Whether the compact JWS <paramref name="token"/> carries a high-S ES256 signature.</summary>
    public static bool HasHighS(string token)
    {
        var dot = token.LastIndexOf('.');
        if (dot < 0 || !Base64Url.IsValid(token.AsSpan(dot + 1), out var length) || length != 2 * ScalarBytes)
        {
            return false;
        }
        return IsHighS(Base64Url.DecodeFromChars(token.AsSpan(dot + 1)));
    }

    /// <summary>The compact JWS <paramref name="token"/> with its ES256 signature in low-S form (s := n − s when s &gt; n/2).</summary>
    public static string Normalize(string token) => HasHighS(token) ? Complement(token) : token;

    /// <summary>The other valid encoding of the ES256 signature of <paramref name="token"/>: (r, n − s).</summary>
    public static string Complement(string token)
    {
        var dot = token.LastIndexOf('.');
        var signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        var s = new BigInteger(signature.AsSpan(ScalarBytes), isUnsigned: true, isBigEndian: true);
        var other = (Order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var complemented = signature[..ScalarBytes].Concat(new byte[ScalarBytes - other.Length]).Concat(other).ToArray();
        return string.Concat(token.AsSpan(0, dot + 1), Base64Url.EncodeToString(complemented));
    }
}
