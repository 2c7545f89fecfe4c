using System.Collections.Frozen;
using System.Globalization;

namespace Campus.Auth.Passwords;

/// <summary>
/// The password rules of Campus: at least <see cref="MinLength"/> characters, not the e-mail address (nor its local
/// part), and not one of the common passwords in <c>common-passwords.txt</c> (compared case-insensitively), per
/// NIST SP 800-63B §5.1.1.2: length and a blocklist, no composition rules.
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 10;

    /// <summary>Longer input is refused before hashing (a validation error, not a weak password).</summary>
    public const int MaxLength = 256;

    private static readonly Lazy<FrozenSet<string>> Common = new(LoadCommonPasswords);

    /// <summary>Why <paramref name="password"/> is too weak for <paramref name="email"/>, or null when it is acceptable.</summary>
    public static string? Weakness(string password, string? email)
    {
        // Counted in user-perceived characters, so "пароль" is 6 and an emoji is 1.
        if (new StringInfo(password).LengthInTextElements < MinLength)
        {
            return $"The password must have at least {MinLength} characters.";
        }
        if (email is not null)
        {
            var localPart = email.Split('@', 2)[0];
            if (password.Equals(email, StringComparison.OrdinalIgnoreCase) ||
                password.Equals(localPart, StringComparison.OrdinalIgnoreCase))
            {
                return "The password must not be the e-mail address.";
            }
        }
        if (IsCommon(password))
        {
            return "The password is too common.";
        }
        return null;
    }

    /// <summary>True when the password is on the list of common passwords, in any letter case.</summary>
    public static bool IsCommon(string password) => Common.Value.Contains(password);

    /// <summary>How many common passwords the embedded list holds.</summary>
    public static int CommonCount => Common.Value.Count;

    private static FrozenSet<string> LoadCommonPasswords()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("Campus.Auth.Passwords.common-passwords.txt")
            ?? throw new InvalidOperationException("The embedded resource common-passwords.txt is missing.");
        using var reader = new StreamReader(stream);
        var words = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                words.Add(line);
            }
        }
        return words.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }
}
