using System.Security.Claims;
using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Courses;

/// <summary>Courses: everyone signed in reads what they may see; authors and admins create and change their own.</summary>
public static class CoursesApi
{
    public const int MaxPageSize = 100;

    /// <summary>The setting of the course list's injected delay in milliseconds (tests of the performance gate only).</summary>
    public const string InjectedDelaySetting = "Testing:InjectedDelayMs";

    public static IEndpointRouteBuilder MapCoursesApi(this IEndpointRouteBuilder routes)
    {
        var courses = routes.MapGroup("/api/content/courses").WithTags("Courses").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        var list = courses.MapGet("/", ListAsync)
            .WithName("ListCourses")
            .WithSummary("Courses the caller may see, newest first: search in title and description, filter by status or mine=true; limit 1..100.")
            .ProducesValidationProblem();
        // Testing:InjectedDelayMs: a deliberate delay before every course list, to show that the performance gate
        // (./platform perf) fails when a read slows down. Set only on purpose (no appsettings or chart value carries it);
        // unset or 0, the endpoint has no filter at all.
        var injectedDelay = routes.ServiceProvider.GetRequiredService<IConfiguration>().GetValue<int>(InjectedDelaySetting);
        if (injectedDelay > 0)
        {
            list.AddEndpointFilter(async (context, next) =>
            {
                await Task.Delay(injectedDelay, context.HttpContext.RequestAborted);
                return await next(context);
            });
        }

        courses.MapPost("/", CreateAsync)
            .RequireAuthorization(Policies.ManageContent)
            .WithName("CreateCourse")
            .WithSummary("Creates a draft course authored by the caller (authors and admins); emits content.course.created.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        courses.MapGet("/{id:guid}", GetAsync)
            .WithName("GetCourse")
            .WithSummary("A course with its ordered sections and materials; a draft is 404 to anyone but its author and admins.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        courses.MapPut("/{id:guid}", UpdateAsync)
            .RequireAuthorization(Policies.ManageContent)
            .WithName("UpdateCourse")
            .WithSummary("Replaces title, description and cover of the caller's course (admins: any course).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        courses.MapDelete("/{id:guid}", DeleteAsync)
            .RequireAuthorization(Policies.ManageContent)
            .WithName("DeleteCourse")
            .WithSummary("Deletes the caller's course with its sections and materials (uploaded files stay); emits content.course.deleted.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        courses.MapPost("/{id:guid}/publish", PublishAsync)
            .RequireAuthorization(Policies.ManageContent)
            .WithName("PublishCourse")
            .WithSummary("Publishes a draft or archived course (emits content.course.published); publishing a published course changes nothing.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        courses.MapPost("/{id:guid}/archive", ArchiveAsync)
            .RequireAuthorization(Policies.ManageContent)
            .WithName("ArchiveCourse")
            .WithSummary("Archives a course: students no longer see it; its author and admins still do.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    /// <summary>The course statuses a list filters on, as on the wire.</summary>
    public static IReadOnlyList<string> Statuses { get; } = [.. Enum.GetValues<CourseStatus>().Select(s => EnumText.Name(s))];

    public static async Task<Results<Ok<CoursePage>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, CourseListing listing, CancellationToken ct,
        [Bounds(MaxLength = Paging.MaxSearchLength)] string? search = null,
        [OneOf(typeof(CoursesApi), nameof(Statuses))] string? status = null, bool mine = false,
        [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit, [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        if (Paging.CheckSearch(search) is { } invalidSearch)
        {
            return invalidSearch;
        }
        CourseStatus? wanted = null;
        if (status is not null)
        {
            // Minimal APIs parse enums case-sensitively (Draft); the wire names are snake_case (draft).
            if (!Enum.GetValues<CourseStatus>().Any(s => EnumText.Name(s) == status))
            {
                return Problems.InvalidField("status", $"status is one of: {string.Join(", ", Statuses)}.", "invalid_status");
            }
            wanted = EnumText.Parse<CourseStatus>(status);
        }
        return TypedResults.Ok(await listing.ListAsync(principal, search, wanted, mine, limit, offset, ct));
    }

    public static async Task<Results<Created<CourseDetail>, ValidationProblem>> CreateAsync(
        CourseRequest request, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, TimeProvider time,
        CancellationToken ct)
    {
        var me = principal.UserId();
        var errors = await ValidateAsync(request, me, db, ct);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var now = time.GetUtcNow();
        var course = new Course
        {
            Id = Guid.CreateVersion7(), AuthorId = me, Title = request.Title!.Trim(), Description = Normalize(request.Description),
            CoverDocumentId = request.CoverDocumentId, Status = CourseStatus.Draft, CreatedAt = now, UpdatedAt = now,
        };
        db.Courses.Add(course);
        db.AddOutboxMessage(new CourseCreated(course.Id, course.Title, course.AuthorId));
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/content/courses/{course.Id}", await DetailAsync(course, principal, db, storage, ct));
    }

    public static async Task<Results<Ok<CourseDetail>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, CancellationToken ct)
    {
        var course = await db.Courses.AsNoTracking().Readable(principal).FirstOrDefaultAsync(c => c.Id == id, ct);
        return course is null ? NotFound() : TypedResults.Ok(await DetailAsync(course, principal, db, storage, ct));
    }

    public static async Task<Results<Ok<CourseDetail>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, CourseRequest request, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, TimeProvider time,
        CancellationToken ct)
    {
        var course = await db.Courses.Managed(principal).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return NotFound();
        }
        var errors = await ValidateAsync(request, course.AuthorId, db, ct);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        course.Title = request.Title!.Trim();
        course.Description = Normalize(request.Description);
        course.CoverDocumentId = request.CoverDocumentId;
        course.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await DetailAsync(course, principal, db, storage, ct));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var authorId = await db.Courses.Managed(principal).Where(c => c.Id == id).Select(c => (Guid?)c.AuthorId).FirstOrDefaultAsync(ct);
        var deleted = await db.Courses.Managed(principal).Where(c => c.Id == id).ExecuteDeleteAsync(ct);
        if (deleted == 0 || authorId is null)
        {
            return NotFound();
        }
        db.AddOutboxMessage(new CourseDeleted(id, authorId.Value));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<CourseDetail>, ProblemHttpResult>> PublishAsync(
        Guid id, ClaimsPrincipal principal, CoursePublishing publishing, CancellationToken ct) =>
        Map(await publishing.PublishAsync(id, principal, ct));

    public static async Task<Results<Ok<CourseDetail>, ProblemHttpResult>> ArchiveAsync(
        Guid id, ClaimsPrincipal principal, CoursePublishing publishing, CancellationToken ct) =>
        Map(await publishing.ArchiveAsync(id, principal, ct));

    private static Results<Ok<CourseDetail>, ProblemHttpResult> Map(CoursePublishingResult result) => result switch
    {
        CoursePublishingResult.Done done => TypedResults.Ok(done.Course),
        CoursePublishingResult.NotFound => NotFound(),
        _ => throw new InvalidOperationException($"Unexpected course publishing result {result.GetType().Name}."),
    };

    /// <summary>The course with its sections and materials as <paramref name="principal"/> may see them.</summary>
    internal static async Task<CourseDetail> DetailAsync(
        Course course, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, CancellationToken ct)
    {
        var sections = await db.Sections.AsNoTracking().Where(s => s.CourseId == course.Id)
            .OrderBy(s => s.Position).ThenBy(s => s.CreatedAt).ToListAsync(ct);
        var materialsQuery = db.Materials.AsNoTracking().Where(m => db.Sections.Any(s => s.Id == m.SectionId && s.CourseId == course.Id));
        if (!principal.Manages(course))
        {
            materialsQuery = materialsQuery.Where(m => m.IsPublished);
        }
        var materials = (await materialsQuery.OrderBy(m => m.Position).ThenBy(m => m.CreatedAt).ToListAsync(ct))
            .ToLookup(m => m.SectionId);
        var coverKey = course.CoverDocumentId is { } coverId
            ? await db.Documents.Where(d => d.Id == coverId).Select(d => d.Key).FirstOrDefaultAsync(ct)
            : null;
        return new CourseDetail(course.Id, course.Title, course.Description, course.Status, course.AuthorId, course.CoverDocumentId,
            await CoverUrlAsync(storage, coverKey), course.CreatedAt, course.UpdatedAt, course.PublishedAt,
            [.. sections.Select(s => new SectionResponse(s.Id, s.CourseId, s.Title, s.Position, [.. materials[s.Id].Select(MaterialResponse.From)]))]);
    }

    private static async Task<Dictionary<string, string[]>> ValidateAsync(CourseRequest request, Guid authorId, ContentDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Length > Course.TitleLength)
        {
            errors["title"] = [$"Required, at most {Course.TitleLength} characters."];
        }
        if (request.Description?.Length > Course.DescriptionLength)
        {
            errors["description"] = [$"At most {Course.DescriptionLength} characters."];
        }
        if (request.CoverDocumentId is { } coverId && !await db.Documents.AnyAsync(d =>
                d.Id == coverId && d.OwnerId == authorId && d.Status == DocumentStatus.Ready && d.ContentType.StartsWith("image/"), ct))
        {
            errors["cover_document_id"] = ["A ready image uploaded by the course's author (see /api/content/documents/upload-url)."];
        }
        return errors;
    }

    /// <summary>The presigned URL of a cover stored under <paramref name="key"/>; null without one.</summary>
    internal static async Task<string?> CoverUrlAsync(IObjectStorage storage, string? key) =>
        key is null ? null : (await storage.PresignDownloadAsync(StorageBuckets.Documents, key)).Url.AbsoluteUri;

    private static string? Normalize(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    internal static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    internal static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "course_not_found", "No such course, or it is not visible to you.");
}
