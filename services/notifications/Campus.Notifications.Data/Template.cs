using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Notifications.Data;

/// <summary>
/// The Mustache text of one type on one channel in one locale. E-mail bodies are HTML (values are HTML-escaped);
/// Telegram bodies and every subject are plain text (values are inserted as they are).
/// </summary>
public sealed class Template
{
    public const int SubjectLength = 300;
    public const int BodyLength = 20_000;

    public Guid Id { get; set; }

    public required string TypeKey { get; set; }

    public required string Channel { get; set; }

    /// <summary><c>ru</c> or <c>en</c> (<see cref="Locales"/>).</summary>
    public required string Locale { get; set; }

    /// <summary>E-mail subject; null for Telegram.</summary>
    public string? Subject { get; set; }

    public required string Body { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class TemplateConfiguration : IEntityTypeConfiguration<Template>
{
    public void Configure(EntityTypeBuilder<Template> template)
    {
        template.ToTable("templates");
        template.HasKey(t => t.Id);
        template.Property(t => t.TypeKey).HasMaxLength(NotificationType.KeyLength);
        template.Property(t => t.Channel).HasMaxLength(16);
        template.Property(t => t.Locale).HasMaxLength(8);
        template.Property(t => t.Subject).HasMaxLength(Template.SubjectLength);
        template.Property(t => t.Body).HasMaxLength(Template.BodyLength);
        template.HasIndex(t => new { t.TypeKey, t.Channel, t.Locale }).IsUnique();
        template.HasOne<NotificationType>().WithMany().HasForeignKey(t => t.TypeKey).OnDelete(DeleteBehavior.Cascade);
        template.HasData(DefaultContent.Templates);
    }
}
