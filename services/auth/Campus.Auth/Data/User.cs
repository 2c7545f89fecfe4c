using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Data;

/// <summary>A person who can sign in: by phone code, by e-mail and password, or both.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>E.164 (<c>+79001234567</c>); unique.</summary>
    public string? Phone { get; set; }

    /// <summary>Lower-cased; unique.</summary>
    public string? Email { get; set; }

    public DateTimeOffset? EmailConfirmedAt { get; set; }

    public string? PasswordHash { get; set; }

    /// <summary>Role names (<see cref="Campus.Roles"/>): student, author, moderator, manager, admin.</summary>
    public string[] Roles { get; set; } = [Campus.Roles.Student];

    public UserStatus Status { get; set; } = UserStatus.Active;

    /// <summary>
    /// Raised by every change that must void the user's access tokens at once (block, role change, password reset, logout
    /// everywhere); tokens carry it as <c>sv</c> and the deny-list refuses those below the current one (TokenRevocation).
    /// </summary>
    public long SecurityVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public enum UserStatus
{
    Active,
    PendingConfirmation,
    Blocked,
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.ToTable("users");
        user.HasKey(u => u.Id);
        user.Property(u => u.Phone).HasMaxLength(16);
        user.Property(u => u.Email).HasMaxLength(320);
        user.Property(u => u.PasswordHash).HasMaxLength(512);
        user.Property(u => u.Roles).HasColumnType("text[]");
        user.Property(u => u.Status).HasConversion<string>().HasMaxLength(32);
        // Unique but optional: PostgreSQL lets many NULLs through a unique index.
        user.HasIndex(u => u.Phone).IsUnique();
        user.HasIndex(u => u.Email).IsUnique();
        user.HasIndex(u => u.CreatedAt);
    }
}
