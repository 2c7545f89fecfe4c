using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Data;

/// <summary>
/// The current sign-in code of a phone: one row per phone, replaced by every new code (which invalidates the
/// previous one). Only a salted HMAC of the code is stored.
/// </summary>
public sealed class PhoneCode
{
    /// <summary>E.164 phone; the key.</summary>
    public required string Phone { get; set; }

    /// <summary>Changes with every new code, so a verification spends exactly the code it checked.</summary>
    public Guid CodeId { get; set; }

    /// <summary>HMAC-SHA256(salt, phone + ":" + code).</summary>
    public required byte[] CodeHash { get; set; }

    public required byte[] Salt { get; set; }

    public DateTimeOffset SentAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set when the code was used (successfully) or withdrawn; a spent code verifies nothing.</summary>
    public DateTimeOffset? SpentAt { get; set; }
}

/// <summary>Wrong codes entered for a phone and, after too many, until when it is locked.</summary>
public sealed class PhoneLock
{
    public required string Phone { get; set; }

    /// <summary>Wrong codes since <see cref="FirstFailedAt"/> (the counting window).</summary>
    public int FailedAttempts { get; set; }

    public DateTimeOffset FirstFailedAt { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>One accepted send-code request, by client IP: the per-IP hourly limit counts these rows.</summary>
public sealed class OtpRequest
{
    public long Id { get; set; }

    public required string ClientIp { get; set; }

    public DateTimeOffset RequestedAt { get; set; }
}

internal sealed class PhoneCodeConfiguration : IEntityTypeConfiguration<PhoneCode>, IEntityTypeConfiguration<PhoneLock>,
    IEntityTypeConfiguration<OtpRequest>
{
    public void Configure(EntityTypeBuilder<PhoneCode> code)
    {
        code.ToTable("sms_codes");
        code.HasKey(c => c.Phone);
        code.Property(c => c.Phone).HasMaxLength(16);
    }

    public void Configure(EntityTypeBuilder<PhoneLock> phoneLock)
    {
        phoneLock.ToTable("phone_locks");
        phoneLock.HasKey(l => l.Phone);
        phoneLock.Property(l => l.Phone).HasMaxLength(16);
    }

    public void Configure(EntityTypeBuilder<OtpRequest> request)
    {
        request.ToTable("otp_requests");
        request.HasKey(r => r.Id);
        request.Property(r => r.ClientIp).HasMaxLength(64);
        request.HasIndex(r => new { r.ClientIp, r.RequestedAt });
    }
}
