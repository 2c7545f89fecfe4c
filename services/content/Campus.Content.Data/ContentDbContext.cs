using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Data;

/// <summary>The content service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/content/Campus.Content -o Data/Migrations</c>.
/// </remarks>
public sealed class ContentDbContext(DbContextOptions<ContentDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ContentDbContext).Assembly);
    }
}
