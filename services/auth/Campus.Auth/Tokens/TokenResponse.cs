using Campus.Auth.Users;

namespace Campus.Auth.Tokens;

/// <summary>What every successful sign-in and refresh answers (lifetimes in seconds).</summary>
public sealed record TokenResponse(
    string AccessToken,
    string TokenType,
    int ExpiresIn,
    string RefreshToken,
    int RefreshExpiresIn,
    UserResponse User);
