using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Notifications.Data;

/// <summary>
/// A user's choice for one type on one channel. Only choices are stored: without a row the channel is on when it is
/// one of the type's <see cref="NotificationType.DefaultChannels"/>.
/// </summary>
public sealed class UserSetting
{
    public Guid UserId { get; set; }

    public required string TypeKey { get; set; }

    public required string Channel { get; set; }

    public bool Enabled { get; set; }
}

internal sealed class UserSettingConfiguration : IEntityTypeConfiguration<UserSetting>
{
    public void Configure(EntityTypeBuilder<UserSetting> setting)
    {
        setting.ToTable("user_settings");
        setting.HasKey(s => new { s.UserId, s.TypeKey, s.Channel });
        setting.Property(s => s.TypeKey).HasMaxLength(NotificationType.KeyLength);
        setting.Property(s => s.Channel).HasMaxLength(16);
        setting.HasOne<NotificationType>().WithMany().HasForeignKey(s => s.TypeKey).OnDelete(DeleteBehavior.Cascade);
    }
}
