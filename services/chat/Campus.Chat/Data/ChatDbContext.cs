using Campus.Chat.Attachments;
using Campus.Chat.Chats;
using Campus.Chat.Messages;
using Campus.Chat.Registry;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Data;

/// <summary>The chat service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/chat/Campus.Chat -o Data/Migrations</c>.
/// </remarks>
public sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public DbSet<ChatRoom> Chats => Set<ChatRoom>();

    public DbSet<Participant> Participants => Set<Participant>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<Attachment> Attachments => Set<Attachment>();

    public DbSet<ActivityCount> ActivityCounts => Set<ActivityCount>();

    public DbSet<Invitation> Invitations => Set<Invitation>();

    public DbSet<KnownUser> KnownUsers => Set<KnownUser>();

    public DbSet<KnownCourse> KnownCourses => Set<KnownCourse>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ChatDbContext).Assembly);
    }
}
