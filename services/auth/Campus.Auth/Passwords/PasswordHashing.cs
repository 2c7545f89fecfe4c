using System.Security.Cryptography;
using Campus.Auth.Data;
using Microsoft.AspNetCore.Identity;

namespace Campus.Auth.Passwords;

/// <summary>
/// Hashes and verifies passwords with ASP.NET Core's <see cref="PasswordHasher{TUser}"/> (PBKDF2-HMAC-SHA512).
/// </summary>
public sealed class PasswordHashing(IPasswordHasher<User> hasher)
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA512; the hasher's default is 100,000.</summary>
    public const int IterationCount = 210_000;

    // A real hash of a random password at the same cost: verifying against it when there is no account (or no
    // password) takes as long as a wrong password, so the answer time does not tell which addresses exist.
    private readonly Lazy<string> _dummyHash =
        new(() => hasher.HashPassword(null!, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));

    /// <summary>
    /// A new hash of <paramref name="password"/>. <see cref="PasswordHasher{TUser}"/> does not look at the user, so callers
    /// can hash before they open a transaction (PBKDF2 takes a noticeable time; a connection should not wait on it).
    /// </summary>
    public string Hash(string password) => hasher.HashPassword(null!, password);

    /// <summary>
    /// Verifies <paramref name="password"/> for <paramref name="user"/>; without a user or a password hash it spends the
    /// same time on the dummy hash and fails.
    /// </summary>
    public PasswordVerificationResult Verify(User? user, string password)
    {
        if (user?.PasswordHash is null)
        {
            hasher.VerifyHashedPassword(null!, _dummyHash.Value, password);
            return PasswordVerificationResult.Failed;
        }
        return hasher.VerifyHashedPassword(user, user.PasswordHash, password);
    }
}
