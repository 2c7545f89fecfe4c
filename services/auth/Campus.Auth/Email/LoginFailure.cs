using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Email;

/// <summary>
/// One failed e-mail sign-in. Failures are rows in PostgreSQL, not process memory, so the lockout holds across
/// replicas. They are keyed by the normalized e-mail, not the user: an unknown address locks exactly like a known
/// one, so the lockout does not reveal which addresses have accounts.
/// </summary>
public sealed class LoginFailure
{
    public long Id { get; set; }

    public required string Email { get; set; }

    public DateTimeOffset FailedAt { get; set; }
}

internal sealed class LoginFailureConfiguration : IEntityTypeConfiguration<LoginFailure>
{
    public void Configure(EntityTypeBuilder<LoginFailure> builder)
    {
        builder.ToTable("login_failures");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Id).UseIdentityAlwaysColumn();
        builder.Property(f => f.Email).HasMaxLength(254);
        builder.HasIndex(f => new { f.Email, f.FailedAt });
        // For the purge of rows older than the window.
        builder.HasIndex(f => f.FailedAt);
    }
}
