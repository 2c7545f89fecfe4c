using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Notifications.Data;

/// <summary>A kind of notification (<c>password_reset</c>, <c>media_ready</c>, ...). Seeded by the migrations.</summary>
public sealed class NotificationType
{
    /// <summary>The longest key; a longer one names no type.</summary>
    public const int KeyLength = 64;

    /// <summary>Stable key, snake_case, e.g. <c>media_ready</c>.</summary>
    public required string Key { get; set; }

    public required string Description { get; set; }

    /// <summary>The channels this type is delivered on (<see cref="Channels"/>); each is on until the user turns it off.</summary>
    public string[] DefaultChannels { get; set; } = [];

    /// <summary>A critical type (password reset) ignores the user's opt-outs; its channels cannot be turned off.</summary>
    public bool Critical { get; set; }
}

/// <summary>The keys of the seeded types.</summary>
public static class NotificationTypes
{
    public const string EmailConfirmation = "email_confirmation";
    public const string PasswordReset = "password_reset";
    public const string MediaReady = "media_ready";
    public const string MediaFailed = "media_failed";
    public const string CoursePublished = "course_published";
    public const string CourseAssigned = "course_assigned";
    public const string CourseDueSoon = "course_due_soon";
    public const string CourseOverdue = "course_overdue";
    public const string CourseCompleted = "course_completed";
    public const string ReportReady = "report_ready";
}

internal sealed class NotificationTypeConfiguration : IEntityTypeConfiguration<NotificationType>
{
    public void Configure(EntityTypeBuilder<NotificationType> type)
    {
        type.ToTable("notification_types");
        type.HasKey(t => t.Key);
        type.Property(t => t.Key).HasMaxLength(NotificationType.KeyLength);
        type.Property(t => t.Description).HasMaxLength(500);
        type.HasData(DefaultContent.Types);
    }
}
