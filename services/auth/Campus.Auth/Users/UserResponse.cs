using System.Text.Json;
using Campus.Auth.Data;

namespace Campus.Auth.Users;

/// <summary>A user as clients see it: no password hash, status in snake_case (<c>pending_confirmation</c>).</summary>
public sealed record UserResponse(
    Guid Id, string? Phone, string? Email,
    [property: OneOf(typeof(Roles), nameof(Roles.All), Schema = Roles.Schema)] string[] Roles,
    [property: OneOf(typeof(UserResponse), nameof(UserResponse.Statuses))] string Status,
    DateTimeOffset CreatedAt)
{
    public static UserResponse From(User user) =>
        new(user.Id, user.Phone, user.Email, user.Roles, StatusName(user.Status), user.CreatedAt);

    /// <summary>Every status a user can be in, as clients see it.</summary>
    public static IReadOnlyList<string> Statuses { get; } = [.. Enum.GetValues<UserStatus>().Select(StatusName)];

    public static string StatusName(UserStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
