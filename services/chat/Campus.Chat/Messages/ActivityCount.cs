using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Chat.Messages;

/// <summary>
/// The messages one author posted on one UTC day (deleted ones included), counted by the post's own statement, and the
/// total last announced (<see cref="Published"/>): a row whose <see cref="Messages"/> is ahead is due for
/// <see cref="ChatActivityPublisher"/>.
/// </summary>
public sealed class ActivityCount
{
    public Guid UserId { get; set; }

    public DateOnly Day { get; set; }

    public int Messages { get; set; }

    public int Published { get; set; }
}

internal sealed class ActivityCountConfiguration : IEntityTypeConfiguration<ActivityCount>
{
    public void Configure(EntityTypeBuilder<ActivityCount> count)
    {
        count.ToTable("activity_counts");
        count.HasKey(c => new { c.UserId, c.Day });
        // Only the rows due for publication: the publisher's scan stays as small as what changed since its last round.
        count.HasIndex(c => new { c.UserId, c.Day }).HasFilter("messages > published");
    }
}
