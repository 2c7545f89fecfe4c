using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Data;

/// <summary>
/// One refresh token of a session. Only the SHA-256 of the token is stored. When it is rotated, the row keeps who
/// replaced it and, for the reuse grace window, the successor token encrypted with a key derived from this token
/// itself (see <c>Tokens/RefreshTokenService</c>).
/// </summary>
public sealed class RefreshToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid SessionId { get; set; }

    public Session? Session { get; set; }

    /// <summary>SHA-256 of the token bytes (32 bytes).</summary>
    public required byte[] TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When it was exchanged for its successor; null while it is the live token of its session.</summary>
    public DateTimeOffset? RotatedAt { get; set; }

    public Guid? ReplacedById { get; set; }

    /// <summary>AES-GCM(nonce | ciphertext | tag) of the successor token, keyed by HKDF(this token).</summary>
    public byte[]? SuccessorCiphertext { get; set; }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> token)
    {
        token.ToTable("refresh_tokens");
        token.HasKey(t => t.Id);
        token.HasIndex(t => t.TokenHash).IsUnique();
        token.HasIndex(t => t.SessionId);
        token.HasOne(t => t.Session).WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
