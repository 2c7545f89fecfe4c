namespace Campus.Profile.Profiles;

/// <summary>The editable fields; a PUT replaces all of them (null or blank clears a field).</summary>
public sealed record UpdateProfileRequest(
    [property: Bounds(MaxLength = ProfileRules.NameLength)] string? FirstName = null,
    [property: Bounds(MaxLength = ProfileRules.NameLength)] string? MiddleName = null,
    [property: Bounds(MaxLength = ProfileRules.NameLength)] string? LastName = null,
    [property: Bounds(MaxLength = ProfileRules.NameLength)] string? DisplayName = null,
    [property: Bounds(MaxLength = ProfileRules.TitleLength)] string? JobTitle = null,
    [property: Bounds(MaxLength = ProfileRules.TitleLength)] string? Department = null,
    Guid? ExperienceLevelId = null,
    [property: Bounds(MaxLength = ProfileRules.AboutLength)] string? About = null,
    [property: Bounds(MaxLength = ProfileRules.NameLength)] string? City = null,
    [property: Bounds(MaxLength = ProfileRules.TimeZoneLength)] string? TimeZone = null,
    [property: OneOf(typeof(ProfileRules), nameof(ProfileRules.Locales)), Bounds(MaxLength = ProfileRules.LocaleLength)] string? Locale = null);

public sealed record ProfileResponse(
    Guid UserId,
    string? FirstName,
    string? MiddleName,
    string? LastName,
    string? DisplayName,
    string? JobTitle,
    string? Department,
    Guid? ExperienceLevelId,
    string? About,
    string? City,
    string? TimeZone,
    [property: OneOf(typeof(ProfileRules), nameof(ProfileRules.Locales))] string? Locale,
    string? AvatarUrl,
    DateTimeOffset UpdatedAt)
{
    public static ProfileResponse From(UserProfile p, string? avatarUrl) => new(
        p.UserId, p.FirstName, p.MiddleName, p.LastName, p.DisplayName, p.JobTitle, p.Department, p.ExperienceLevelId,
        p.About, p.City, p.TimeZone, p.Locale, avatarUrl, p.UpdatedAt);
}

public sealed record ProfileHistoryItem(string Field, string? OldValue, string? NewValue, Guid ChangedBy, DateTimeOffset ChangedAt);

public sealed record ProfileHistoryPage(IReadOnlyList<ProfileHistoryItem> Items, int Total, int Limit, int Offset);
