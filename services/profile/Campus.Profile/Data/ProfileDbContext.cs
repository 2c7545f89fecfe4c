using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Data;

/// <summary>The profile service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/profile/Campus.Profile -o Data/Migrations</c>.
/// </remarks>
public sealed class ProfileDbContext(DbContextOptions<ProfileDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ProfileDbContext).Assembly);
    }
}
