using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Profile.Social;

/// <summary>A user's account at an external provider (telegram, ...); one per provider.</summary>
public sealed class SocialBinding
{
    /// <summary>The longest provider name (<c>telegram</c>); a longer one in <c>DELETE /social/{provider}</c> is a 400.</summary>
    public const int ProviderLength = 32;

    public Guid UserId { get; set; }

    public required string Provider { get; set; }

    public required string ExternalId { get; set; }

    public string? Username { get; set; }

    public DateTimeOffset LinkedAt { get; set; }
}

internal sealed class SocialBindingConfiguration : IEntityTypeConfiguration<SocialBinding>
{
    public void Configure(EntityTypeBuilder<SocialBinding> binding)
    {
        binding.ToTable("social_bindings");
        binding.HasKey(b => new { b.UserId, b.Provider });
        binding.Property(b => b.Provider).HasMaxLength(SocialBinding.ProviderLength);
        binding.Property(b => b.ExternalId).HasMaxLength(128);
        binding.Property(b => b.Username).HasMaxLength(128);
        binding.HasIndex(b => new { b.Provider, b.ExternalId }).IsUnique();
    }
}
