using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Data;

/// <summary>
/// One sign-in on one device: the family of refresh tokens that descend from it. Revoking the session
/// revokes every token of the family; access tokens carry its id as <c>sid</c>.
/// </summary>
public sealed class Session
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    /// <summary>Refresh tokens of this session live 60 days instead of 30.</summary>
    public bool RememberMe { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Why: <c>logout</c>, <c>logout_all</c>, <c>reuse_detected</c>, <c>password_reset</c>, <c>email_confirmed</c>, <c>blocked</c>.</summary>
    public string? RevokedReason { get; set; }
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<Session>
{
    public void Configure(EntityTypeBuilder<Session> session)
    {
        session.ToTable("sessions");
        session.HasKey(s => s.Id);
        session.Property(s => s.RevokedReason).HasMaxLength(32);
        session.HasOne(s => s.User).WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        session.HasIndex(s => s.UserId).HasFilter("revoked_at IS NULL");
    }
}
