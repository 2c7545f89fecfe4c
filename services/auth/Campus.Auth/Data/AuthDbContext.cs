using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Data;

/// <summary>The auth service's database.</summary>
/// <remarks>
/// Entities are configured by their own <c>IEntityTypeConfiguration</c> next to them (found by assembly scan).
/// New migration: <c>dotnet ef migrations add NAME -p services/auth/Campus.Auth -o Data/Migrations</c>.
/// </remarks>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Session> Sessions => Set<Session>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<PhoneCode> PhoneCodes => Set<PhoneCode>();

    public DbSet<OtpRequest> OtpRequests => Set<OtpRequest>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AuthDbContext).Assembly);
    }
}
