using System.Diagnostics.CodeAnalysis;
using System.Net.Mail;

namespace Campus.Auth.Email;

/// <summary>The one place e-mail addresses are checked and normalized (trimmed, lower case, as stored in <c>users.email</c>).</summary>
public static class EmailAddress
{
    public const int MaxLength = 254;

    /// <summary>Normalizes <paramref name="input"/>; false when it is not a plain address (no display name, no comments).</summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? email)
    {
        // The bound is on the address as sent (the contract's maxLength), blanks included.
        email = input?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(email) || input!.Length > MaxLength ||
            !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
        {
            email = null;
            return false;
        }
        return true;
    }
}
