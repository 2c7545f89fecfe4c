using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Notifications.Data;

/// <summary>
/// Where a user can be reached, kept from events: the e-mail from <c>auth.user.registered</c> and the confirmation
/// request, the Telegram chat from the link flow (written by the worker).
/// </summary>
public sealed class Contact
{
    public Guid UserId { get; set; }

    public string? Email { get; set; }

    public long? TelegramChatId { get; set; }

    public string? TelegramUsername { get; set; }

    /// <summary>The locale templates are rendered in (<see cref="Locales"/>).</summary>
    public string Locale { get; set; } = Locales.Default;

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> contact)
    {
        contact.ToTable("contacts");
        contact.HasKey(c => c.UserId);
        contact.Property(c => c.UserId).ValueGeneratedNever();
        contact.Property(c => c.Email).HasMaxLength(320);
        contact.Property(c => c.TelegramUsername).HasMaxLength(64);
        contact.Property(c => c.Locale).HasMaxLength(8).HasDefaultValue(Locales.Default);
        contact.HasIndex(c => c.TelegramChatId);
    }
}
