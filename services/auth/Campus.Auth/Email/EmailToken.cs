using Campus.Auth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Email;

/// <summary>What an e-mail token proves when it comes back.</summary>
public enum EmailTokenPurpose
{
    /// <summary>The user owns the address they registered with (24 h).</summary>
    Confirm,

    /// <summary>The user may set a new password (15 min).</summary>
    Reset,
}

/// <summary>
/// A single-use token sent by e-mail (a confirmation or a password-reset link). Only the SHA-256 of the token is
/// stored: a leaked table lets nobody confirm or reset anything.
/// </summary>
public sealed class EmailToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public EmailTokenPurpose Purpose { get; set; }

    /// <summary>SHA-256 of the token's UTF-8 text (the base64url of 32 random bytes).</summary>
    public required byte[] TokenHash { get; set; }

    /// <summary>
    /// For a confirmation: the password hash of the registration that sent this link. Confirming applies it, so the
    /// password in force is the one chosen by whoever can read the mailbox, not by the last person who typed the address.
    /// </summary>
    public string? PasswordHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When the token was spent; null while it is still usable.</summary>
    public DateTimeOffset? UsedAt { get; set; }
}

internal sealed class EmailTokenConfiguration : IEntityTypeConfiguration<EmailToken>
{
    public void Configure(EntityTypeBuilder<EmailToken> builder)
    {
        builder.ToTable("email_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Purpose).HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.TokenHash).HasMaxLength(32);
        builder.Property(t => t.PasswordHash).HasMaxLength(512);
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasIndex(t => new { t.UserId, t.Purpose });
        builder.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
