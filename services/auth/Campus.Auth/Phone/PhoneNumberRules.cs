using System.Diagnostics.CodeAnalysis;
using PhoneNumbers;

namespace Campus.Auth.Phone;

/// <summary>What a typed phone number came to.</summary>
public enum PhoneCheck
{
    /// <summary>A Russian mobile number: it may get a sign-in code.</summary>
    Accepted,

    /// <summary>Not a phone number we can read: malformed, non-ASCII, not round-tripping, or no such number.</summary>
    Invalid,

    /// <summary>A real number, but not a Russian mobile one (landline, toll-free, premium rate, Kazakhstan, ...).</summary>
    NotSupported,
}

/// <summary>
/// The one place sign-in phones are read. The canonical form is E.164 (<c>+79001234567</c>): every row, limit, lock,
/// code, user and bootstrap admin is keyed by it, so one physical number is one key however it was typed.
/// </summary>
/// <remarks>
/// Accepted input: ASCII only, <c>+</c> then the digits, optionally grouped by single spaces, hyphens and one pair of
/// parentheses (<c>+7 912 345-67-89</c>, <c>+7 (912) 345-67-89</c>), at most <see cref="MaxInputLength"/> characters,
/// no leading or trailing whitespace. The digits typed must be exactly the digits of the E.164 form (it round-trips):
/// no national prefix <c>8</c>, no extension, nothing libphonenumber would silently drop or convert. Non-ASCII digits
/// (Arabic-Indic, full-width, ...), control characters (a trailing newline) and letters are refused, because
/// libphonenumber normalizes them to the same number and each spelling would otherwise be a key of its own.
/// </remarks>
public static class PhoneNumberRules
{
    public const int MaxInputLength = 24;

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>Checks <paramref name="input"/>; <paramref name="e164"/> is its canonical form unless it is <see cref="PhoneCheck.Invalid"/>.</summary>
    public static PhoneCheck Check(string? input, out string? e164)
    {
        e164 = null;
        if (!TryReadDigits(input, out var digits))
        {
            return PhoneCheck.Invalid;
        }
        PhoneNumber number;
        try
        {
            number = Util.Parse(input, null);
        }
        catch (NumberParseException)
        {
            return PhoneCheck.Invalid;
        }
        var formatted = Util.Format(number, PhoneNumberFormat.E164);
        // Round trip: what was typed is exactly this number (libphonenumber forgives more than we accept).
        if (!Util.IsValidNumber(number) || number.HasExtension || formatted != "+" + digits)
        {
            return PhoneCheck.Invalid;
        }
        e164 = formatted;
        // SMS goes only to Russian mobile numbers: this is where codes cost money (SMS pumping targets premium-rate,
        // toll-free, landline and foreign numbers). FIXED_LINE_OR_MOBILE is refused too: a number that may be a
        // landline is not worth a paid SMS, and Russian numbering has no such ambiguous range (mobile is +7 9xx).
        return Util.GetRegionCodeForNumber(number) == "RU" && Util.GetNumberType(number) == PhoneNumberType.MOBILE
            ? PhoneCheck.Accepted
            : PhoneCheck.NotSupported;
    }

    /// <summary>The canonical E.164 form of a number in the accepted spelling (any region or type), or null.</summary>
    public static string? Canonical(string? input) =>
        Check(input, out var e164) == PhoneCheck.Invalid ? null : e164;

    // '+', then ASCII digits with optional single separators; returns the digits alone.
    private static bool TryReadDigits(string? input, [NotNullWhen(true)] out string? digits)
    {
        digits = null;
        if (input is null || input.Length is < 2 or > MaxInputLength || input[0] != '+' || !char.IsAsciiDigit(input[^1]))
        {
            return false;
        }
        var buffer = new System.Text.StringBuilder(input.Length);
        var opened = -1;
        var closed = false;
        for (var i = 1; i < input.Length; i++)
        {
            var c = input[i];
            switch (c)
            {
                case >= '0' and <= '9':
                    buffer.Append(c);
                    break;
                case ' ' or '-' when input[i - 1] is not (' ' or '-'):
                    break;
                case '(' when opened < 0:
                    opened = i;
                    break;
                case ')' when opened >= 0 && !closed && i > opened + 1:
                    closed = true;
                    break;
                default:
                    return false;
            }
        }
        if (opened >= 0 && !closed)
        {
            return false;
        }
        digits = buffer.ToString();
        return true;
    }
}
