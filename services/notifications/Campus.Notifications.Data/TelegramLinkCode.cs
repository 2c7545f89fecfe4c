using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Notifications.Data;

/// <summary>
/// A one-time code of the Telegram deep link (<c>https://t.me/bot?start=CODE</c>). Only its hash is stored: whoever
/// reads the table cannot link their chat to someone else's account.
/// </summary>
public sealed class TelegramLinkCode
{
    /// <summary><see cref="Hash"/> of the code.</summary>
    public required string CodeHash { get; set; }

    public Guid UserId { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>Lowercase hex SHA-256 of the code's UTF-8 bytes: what <see cref="CodeHash"/> holds.</summary>
    public static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}

internal sealed class TelegramLinkCodeConfiguration : IEntityTypeConfiguration<TelegramLinkCode>
{
    public void Configure(EntityTypeBuilder<TelegramLinkCode> code)
    {
        code.ToTable("telegram_link_codes");
        code.HasKey(c => c.CodeHash);
        code.Property(c => c.CodeHash).HasMaxLength(64);
        code.HasIndex(c => c.UserId);
    }
}
