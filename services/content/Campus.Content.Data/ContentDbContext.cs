using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Data;

/// <summary>The content database: courses and their structure, uploads, and transcode jobs. Shared by the service and the transcode worker.</summary>
/// <remarks>
/// New migration (from the repository root):
/// <c>dotnet ef migrations add NAME -p services/content/Campus.Content.Data -s services/content/Campus.Content -o Migrations</c>
/// with <c>ConnectionStrings__Database</c>, <c>ConnectionStrings__RabbitMq</c> and <c>ConnectionStrings__Redis</c> set.
/// </remarks>
public sealed class ContentDbContext(DbContextOptions<ContentDbContext> options) : DbContext(options)
{
    public DbSet<Course> Courses => Set<Course>();

    public DbSet<Section> Sections => Set<Section>();

    public DbSet<Material> Materials => Set<Material>();

    public DbSet<MediaFile> MediaFiles => Set<MediaFile>();

    public DbSet<TranscodeJob> TranscodeJobs => Set<TranscodeJob>();

    public DbSet<Document> Documents => Set<Document>();

    public DbSet<Learner> Learners => Set<Learner>();

    public DbSet<Assignment> Assignments => Set<Assignment>();

    public DbSet<Enrolment> Enrolments => Set<Enrolment>();

    public DbSet<MaterialProgress> MaterialProgress => Set<MaterialProgress>();

    public DbSet<CourseCompletion> CourseCompletions => Set<CourseCompletion>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ContentDbContext).Assembly);
    }
}
