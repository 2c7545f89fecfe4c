using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Data;

/// <summary>The auth service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/auth/Campus.Auth -o Data/Migrations</c>.
/// </remarks>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AuthDbContext).Assembly);
    }
}
