using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Notifications.Data;

/// <summary>Where a notification is in its life: <c>pending → sent | failed</c>; stored as snake_case text.</summary>
public enum NotificationStatus
{
    Pending,
    Sent,
    Failed,
}

/// <summary>
/// One message to one user on one channel: the queue row and the delivery log at once. It is rendered when it is
/// created, so the worker only sends <see cref="Subject"/> and <see cref="Body"/> to <see cref="Recipient"/>.
/// </summary>
public sealed class Notification
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public required string TypeKey { get; set; }

    /// <summary><c>email</c> or <c>telegram</c> (<see cref="Channels"/>).</summary>
    public required string Channel { get; set; }

    /// <summary>The e-mail address, or the Telegram chat id as text.</summary>
    public required string Recipient { get; set; }

    /// <summary>E-mail subject (plain text); null for Telegram.</summary>
    public string? Subject { get; set; }

    /// <summary>Rendered text: HTML for e-mail, plain text for Telegram. May hold single-use links: never log it.</summary>
    public required string Body { get; set; }

    /// <summary>The values the template was rendered with (JSON object, snake_case).</summary>
    public string Payload { get; set; } = "{}";

    public NotificationStatus Status { get; set; } = NotificationStatus.Pending;

    /// <summary>Delivery attempts made so far (the worker increments it on every try).</summary>
    public int Attempts { get; set; }

    public string? LastError { get; set; }

    /// <summary>When the worker should try again after a transient failure; null = now.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary><c>{event id}:{user id}:{channel}</c>: a redelivered event finds its rows and creates nothing.</summary>
    public required string IdempotencyKey { get; set; }

    /// <summary>The longest <see cref="LastError"/> stored; cut longer messages.</summary>
    public const int LastErrorLength = 2000;
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> notification)
    {
        notification.ToTable("notifications");
        notification.HasKey(n => n.Id);
        notification.Property(n => n.Id).ValueGeneratedNever();
        notification.Property(n => n.TypeKey).HasMaxLength(NotificationType.KeyLength);
        notification.Property(n => n.Channel).HasMaxLength(16);
        notification.Property(n => n.Recipient).HasMaxLength(320);
        notification.Property(n => n.Subject).HasMaxLength(Template.SubjectLength);
        notification.Property(n => n.Payload).HasColumnType("jsonb");
        // Lowercase names are the snake_case of these one-word members, as on the wire.
        notification.Property(n => n.Status).HasMaxLength(16).HasConversion(
            status => status.ToString().ToLowerInvariant(),
            text => Enum.Parse<NotificationStatus>(text, true));
        notification.Property(n => n.LastError).HasMaxLength(Notification.LastErrorLength);
        notification.Property(n => n.IdempotencyKey).HasMaxLength(200);
        notification.HasIndex(n => n.IdempotencyKey).IsUnique();
        notification.HasIndex(n => new { n.UserId, n.CreatedAt });
        notification.HasIndex(n => new { n.Status, n.NextAttemptAt });
        notification.HasIndex(n => n.CreatedAt);
    }
}
