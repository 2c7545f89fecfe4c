using Campus.Messaging.Outbox;
using Campus.Profile.Avatars;
using Campus.Profile.ExperienceLevels;
using Campus.Profile.Profiles;
using Campus.Profile.Social;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Data;

/// <summary>The profile service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/profile/Campus.Profile -o Data/Migrations</c>.
/// </remarks>
public sealed class ProfileDbContext(DbContextOptions<ProfileDbContext> options) : DbContext(options)
{
    public DbSet<UserProfile> Profiles => Set<UserProfile>();

    public DbSet<ProfileHistoryEntry> ProfileHistory => Set<ProfileHistoryEntry>();

    public DbSet<ExperienceLevel> ExperienceLevels => Set<ExperienceLevel>();

    public DbSet<SocialBinding> SocialBindings => Set<SocialBinding>();

    public DbSet<AvatarUpload> AvatarUploads => Set<AvatarUpload>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ProfileDbContext).Assembly);
    }
}
