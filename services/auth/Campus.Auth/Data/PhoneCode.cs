using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Auth.Data;

/// <summary>
/// A sign-in code of a phone, one row per (phone, requesting source). Outside a guard a phone has one code: a new one
/// from any source replaces (deletes) the others. While the phone is guarded each source has its own, which only that
/// source may enter and no other source's request touches. Only a salted HMAC of the code is stored.
/// </summary>
public sealed class PhoneCode
{
    /// <summary>E.164 phone; the key with <see cref="RequestedBy"/>.</summary>
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

    /// <summary>The source (client IP) that asked for this code: the only one that may enter it while the phone is guarded.</summary>
    public required string RequestedBy { get; set; }
}

/// <summary>
/// Wrong codes entered for a phone from every source and, after too many, until when it is guarded (its code is
/// accepted only from the source that asked for it). Never a lock: the owner can always sign in.
/// </summary>
public sealed class PhoneGuard
{
    public required string Phone { get; set; }

    /// <summary>Wrong codes since <see cref="FirstFailedAt"/> (the counting window), all sources together.</summary>
    public int FailedAttempts { get; set; }

    public DateTimeOffset FirstFailedAt { get; set; }

    public DateTimeOffset? GuardedUntil { get; set; }
}

/// <summary>Wrong codes entered for one phone from one source and, after too many, until when that pair is locked.</summary>
public sealed class PhoneSourceLock
{
    public required string Phone { get; set; }

    public required string ClientIp { get; set; }

    public int FailedAttempts { get; set; }

    public DateTimeOffset FirstFailedAt { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>
/// A source (client IP) that entered wrong codes: its failures in the current hour and the temporary block list entry,
/// with the number of blocks so far (each block lasts twice the previous one).
/// </summary>
public sealed class OtpSource
{
    public required string ClientIp { get; set; }

    public int FailedAttempts { get; set; }

    public DateTimeOffset FirstFailedAt { get; set; }

    /// <summary>Blocks since the source was last forgotten (<c>Auth:Otp:BlockMemory</c>); the next lasts BlockDuration × 2^Blocks.</summary>
    public int Blocks { get; set; }

    public DateTimeOffset? BlockedUntil { get; set; }
}

/// <summary>SMS sent by the service in one clock hour (every replica), and sends refused because the budget was spent.</summary>
public sealed class SmsBudgetWindow
{
    public DateTimeOffset WindowStart { get; set; }

    public int Sent { get; set; }

    public int Refused { get; set; }
}

/// <summary>One accepted send-code request, by client IP: the per-IP hourly limit counts these rows.</summary>
public sealed class OtpRequest
{
    public long Id { get; set; }

    public required string ClientIp { get; set; }

    public DateTimeOffset RequestedAt { get; set; }
}

internal sealed class PhoneCodeConfiguration : IEntityTypeConfiguration<PhoneCode>, IEntityTypeConfiguration<PhoneGuard>,
    IEntityTypeConfiguration<PhoneSourceLock>, IEntityTypeConfiguration<OtpSource>, IEntityTypeConfiguration<SmsBudgetWindow>,
    IEntityTypeConfiguration<OtpRequest>
{
    public void Configure(EntityTypeBuilder<PhoneCode> code)
    {
        code.ToTable("sms_codes");
        code.HasKey(c => new { c.Phone, c.RequestedBy });
        code.Property(c => c.Phone).HasMaxLength(16);
        code.Property(c => c.RequestedBy).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<PhoneGuard> guard)
    {
        guard.ToTable("phone_guards");
        guard.HasKey(g => g.Phone);
        guard.Property(g => g.Phone).HasMaxLength(16);
        guard.HasIndex(g => g.FirstFailedAt);
    }

    public void Configure(EntityTypeBuilder<PhoneSourceLock> pair)
    {
        pair.ToTable("phone_source_locks");
        pair.HasKey(l => new { l.Phone, l.ClientIp });
        pair.Property(l => l.Phone).HasMaxLength(16);
        pair.Property(l => l.ClientIp).HasMaxLength(64);
        pair.HasIndex(l => l.FirstFailedAt);
    }

    public void Configure(EntityTypeBuilder<OtpSource> source)
    {
        source.ToTable("otp_sources");
        source.HasKey(s => s.ClientIp);
        source.Property(s => s.ClientIp).HasMaxLength(64);
        source.HasIndex(s => s.FirstFailedAt);
    }

    public void Configure(EntityTypeBuilder<SmsBudgetWindow> window)
    {
        window.ToTable("sms_budget");
        window.HasKey(w => w.WindowStart);
    }

    public void Configure(EntityTypeBuilder<OtpRequest> request)
    {
        request.ToTable("otp_requests");
        request.HasKey(r => r.Id);
        request.Property(r => r.ClientIp).HasMaxLength(64);
        request.HasIndex(r => new { r.ClientIp, r.RequestedAt });
    }
}
