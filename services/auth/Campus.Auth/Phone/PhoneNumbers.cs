using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using PhoneNumbers;

namespace Campus.Auth.Phone;

/// <summary>Sign-in phones: Russian (+7) numbers in strict E.164, valid per libphonenumber.</summary>
public static partial class PhoneNumberRules
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>True when <paramref name="phone"/> is <c>+7</c> and 10 digits and a valid Russian/Kazakh number.</summary>
    public static bool IsValid([NotNullWhen(true)] string? phone)
    {
        if (phone is null || !E164Plus7().IsMatch(phone))
        {
            return false;
        }
        try
        {
            return Util.IsValidNumber(Util.Parse(phone, null));
        }
        catch (NumberParseException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\+7\d{10}$")]
    private static partial Regex E164Plus7();
}
