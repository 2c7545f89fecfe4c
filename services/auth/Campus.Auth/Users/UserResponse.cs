using System.Text.Json;
using Campus.Auth.Data;

namespace Campus.Auth.Users;

/// <summary>A user as clients see it: no password hash, status in snake_case (<c>pending_confirmation</c>).</summary>
public sealed record UserResponse(Guid Id, string? Phone, string? Email, string[] Roles, string Status, DateTimeOffset CreatedAt)
{
    public static UserResponse From(User user) =>
        new(user.Id, user.Phone, user.Email, user.Roles, StatusName(user.Status), user.CreatedAt);

    public static string StatusName(UserStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
