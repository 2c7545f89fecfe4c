using System.Security.Claims;
using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Courses;

/// <summary>
/// Sections of a course and materials of a section, each ordered by a 0-based position. New items go last; the order
/// endpoints take the complete new order, so a client never has to compute positions.
/// </summary>
public static class SectionsApi
{
    public static IEndpointRouteBuilder MapSectionsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/content").WithTags("Sections and materials").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        var manage = api.MapGroup("").RequireAuthorization(Policies.ManageContent)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        manage.MapPost("/courses/{id:guid}/sections", CreateSectionAsync)
            .WithName("CreateSection")
            .WithSummary("Adds a section at the end of the caller's course.")
            .ProducesValidationProblem();

        manage.MapPut("/courses/{id:guid}/sections/order", ReorderSectionsAsync)
            .WithName("ReorderSections")
            .WithSummary("Sets the order of the course's sections: ids lists every section of the course exactly once.")
            .ProducesValidationProblem();

        manage.MapPut("/sections/{id:guid}", UpdateSectionAsync)
            .WithName("UpdateSection")
            .WithSummary("Renames a section.")
            .ProducesValidationProblem();

        manage.MapDelete("/sections/{id:guid}", DeleteSectionAsync)
            .WithName("DeleteSection")
            .WithSummary("Deletes a section with its materials; the sections after it move up.");

        manage.MapPost("/sections/{id:guid}/materials", CreateMaterialAsync)
            .WithName("CreateMaterial")
            .WithSummary("Adds a material (video, document, text or link) at the end of a section.")
            .ProducesValidationProblem();

        manage.MapPut("/sections/{id:guid}/materials/order", ReorderMaterialsAsync)
            .WithName("ReorderMaterials")
            .WithSummary("Sets the order of the section's materials: ids lists every material of the section exactly once.")
            .ProducesValidationProblem();

        api.MapGet("/sections/{id:guid}", GetSectionAsync)
            .WithName("GetSection")
            .WithSummary("A section with its materials (the Location of a created one); students see sections of published courses with their published materials only.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/materials/{id:guid}", GetMaterialAsync)
            .WithName("GetMaterial")
            .WithSummary("A material; students see only published materials of published courses.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        manage.MapPut("/materials/{id:guid}", UpdateMaterialAsync)
            .WithName("UpdateMaterial")
            .WithSummary("Replaces a material's kind, title, content and published flag.")
            .ProducesValidationProblem();

        manage.MapDelete("/materials/{id:guid}", DeleteMaterialAsync)
            .WithName("DeleteMaterial")
            .WithSummary("Deletes a material; the materials after it move up.");

        return routes;
    }

    public static async Task<Results<Created<SectionResponse>, ValidationProblem, ProblemHttpResult>> CreateSectionAsync(
        Guid id, SectionRequest request, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var course = await db.Courses.Managed(principal).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return CoursesApi.NotFound();
        }
        if (ValidateTitle(request.Title, Section.TitleLength) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var now = time.GetUtcNow();
        // REVIEW: two concurrent appends can get the same position; the order is then by creation time, and the next
        // reorder makes it 0..n-1 again. A unique (course_id, position) index would make reordering need deferred constraints.
        var position = await db.Sections.CountAsync(s => s.CourseId == id, ct);
        var section = new Section { Id = Guid.CreateVersion7(), CourseId = id, Title = request.Title!.Trim(), Position = position, CreatedAt = now };
        db.Sections.Add(section);
        course.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/content/sections/{section.Id}", new SectionResponse(section.Id, id, section.Title, position, []));
    }

    public static async Task<Results<Ok<SectionResponse>, ValidationProblem, ProblemHttpResult>> UpdateSectionAsync(
        Guid id, SectionRequest request, ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct)
    {
        var section = await ManagedSections(db, principal).FirstOrDefaultAsync(s => s.Id == id, ct);
        if (section is null)
        {
            return SectionNotFound();
        }
        if (ValidateTitle(request.Title, Section.TitleLength) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        section.Title = request.Title!.Trim();
        await db.SaveChangesAsync(ct);
        var materials = await db.Materials.AsNoTracking().Where(m => m.SectionId == id).OrderBy(m => m.Position).ThenBy(m => m.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(new SectionResponse(section.Id, section.CourseId, section.Title, section.Position, [.. materials.Select(MaterialResponse.From)]));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteSectionAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var section = await ManagedSections(db, principal).AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (section is null)
        {
            return SectionNotFound();
        }
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var materialId in await db.Materials.Where(m => m.SectionId == id).Select(m => m.Id).ToListAsync(ct))
        {
            db.AddOutboxMessage(new MaterialDeleted(materialId, section.CourseId) { OccurredAt = now });
        }
        await db.SaveChangesAsync(ct);
        await db.Sections.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
        await db.Sections.Where(s => s.CourseId == section.CourseId && s.Position > section.Position)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Position, s => s.Position - 1), ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<CourseDetail>, ProblemHttpResult>> ReorderSectionsAsync(
        Guid id, OrderRequest request, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, CancellationToken ct)
    {
        var course = await db.Courses.Managed(principal).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return CoursesApi.NotFound();
        }
        var sections = await db.Sections.Where(s => s.CourseId == id).ToListAsync(ct);
        if (!IsPermutation(request.Ids, sections.Select(s => s.Id)))
        {
            return InvalidOrder("sections of the course");
        }
        var positions = request.Ids!.Select((sectionId, index) => (sectionId, index)).ToDictionary(p => p.sectionId, p => p.index);
        sections.ForEach(s => s.Position = positions[s.Id]);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await CoursesApi.DetailAsync(course, principal, db, storage, ct));
    }

    public static async Task<Results<Created<MaterialResponse>, ValidationProblem, ProblemHttpResult>> CreateMaterialAsync(
        Guid id, MaterialRequest request, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var found = await (from s in db.Sections
                           join c in db.Courses.Managed(principal) on s.CourseId equals c.Id
                           where s.Id == id
                           select new { s.Id, s.CourseId, c.AuthorId }).FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return SectionNotFound();
        }
        var now = time.GetUtcNow();
        var material = new Material { Id = Guid.CreateVersion7(), SectionId = id, Title = "", CreatedAt = now, UpdatedAt = now };
        var errors = await ApplyAsync(material, request, found.AuthorId, principal.UserId(), db, ct);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        material.Position = await db.Materials.CountAsync(m => m.SectionId == id, ct);
        db.Materials.Add(material);
        db.AddOutboxMessage(MaterialChanged.Of(material, found.CourseId, now));
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/content/materials/{material.Id}", MaterialResponse.From(material));
    }

    public static async Task<Results<Ok<SectionResponse>, ProblemHttpResult>> GetSectionAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct)
    {
        var section = await ManagedSections(db, principal).AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        var manages = section is not null;
        section ??= await (from s in db.Sections
                           join c in db.Courses on s.CourseId equals c.Id
                           where s.Id == id && c.Status == CourseStatus.Published
                           select s).AsNoTracking().FirstOrDefaultAsync(ct);
        if (section is null)
        {
            return SectionNotFound();
        }
        var materials = await db.Materials.AsNoTracking().Where(m => m.SectionId == id && (manages || m.IsPublished))
            .OrderBy(m => m.Position).ThenBy(m => m.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(new SectionResponse(section.Id, section.CourseId, section.Title, section.Position, [.. materials.Select(MaterialResponse.From)]));
    }

    public static async Task<Results<Ok<MaterialResponse>, ProblemHttpResult>> GetMaterialAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct)
    {
        var material = await (from m in db.Materials
                              join s in db.Sections on m.SectionId equals s.Id
                              join c in db.Courses.Managed(principal) on s.CourseId equals c.Id
                              where m.Id == id
                              select m).AsNoTracking().FirstOrDefaultAsync(ct)
            ?? await ContentAccess.VisibleToStudents(db).AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        return material is null ? MaterialNotFound() : TypedResults.Ok(MaterialResponse.From(material));
    }

    public static async Task<Results<Ok<MaterialResponse>, ValidationProblem, ProblemHttpResult>> UpdateMaterialAsync(
        Guid id, MaterialRequest request, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var found = await (from m in db.Materials
                           join s in db.Sections on m.SectionId equals s.Id
                           join c in db.Courses.Managed(principal) on s.CourseId equals c.Id
                           where m.Id == id
                           select new { Material = m, s.CourseId, c.AuthorId }).FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return MaterialNotFound();
        }
        var errors = await ApplyAsync(found.Material, request, found.AuthorId, principal.UserId(), db, ct);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        found.Material.UpdatedAt = time.GetUtcNow();
        db.AddOutboxMessage(MaterialChanged.Of(found.Material, found.CourseId, found.Material.UpdatedAt));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(MaterialResponse.From(found.Material));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteMaterialAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var found = await (from m in db.Materials
                           join s in db.Sections on m.SectionId equals s.Id
                           join c in db.Courses.Managed(principal) on s.CourseId equals c.Id
                           where m.Id == id
                           select new { Material = m, s.CourseId }).AsNoTracking().FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return MaterialNotFound();
        }
        var material = found.Material;
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Materials.Where(m => m.Id == id).ExecuteDeleteAsync(ct);
        await db.Materials.Where(m => m.SectionId == material.SectionId && m.Position > material.Position)
            .ExecuteUpdateAsync(set => set.SetProperty(m => m.Position, m => m.Position - 1), ct);
        db.AddOutboxMessage(new MaterialDeleted(id, found.CourseId) { OccurredAt = now });
        // The materials after it moved up: their new positions are announced too.
        foreach (var moved in await db.Materials.AsNoTracking().Where(m => m.SectionId == material.SectionId && m.Position >= material.Position).ToListAsync(ct))
        {
            db.AddOutboxMessage(MaterialChanged.Of(moved, found.CourseId, now));
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<SectionResponse>, ProblemHttpResult>> ReorderMaterialsAsync(
        Guid id, OrderRequest request, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var section = await ManagedSections(db, principal).AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (section is null)
        {
            return SectionNotFound();
        }
        var materials = await db.Materials.Where(m => m.SectionId == id).ToListAsync(ct);
        if (!IsPermutation(request.Ids, materials.Select(m => m.Id)))
        {
            return InvalidOrder("materials of the section");
        }
        var positions = request.Ids!.Select((materialId, index) => (materialId, index)).ToDictionary(p => p.materialId, p => p.index);
        var now = time.GetUtcNow();
        foreach (var material in materials.Where(m => m.Position != positions[m.Id]))
        {
            material.Position = positions[material.Id];
            db.AddOutboxMessage(MaterialChanged.Of(material, section.CourseId, now));
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new SectionResponse(section.Id, section.CourseId, section.Title, section.Position,
            [.. materials.OrderBy(m => m.Position).Select(MaterialResponse.From)]));
    }

    /// <summary>
    /// Validates <paramref name="request"/> and copies it onto <paramref name="material"/>. A video or document must
    /// belong to the course's author or to the caller (an admin attaching their own upload); fields of the other kinds are cleared.
    /// </summary>
    private static async Task<Dictionary<string, string[]>> ApplyAsync(
        Material material, MaterialRequest request, Guid authorId, Guid me, ContentDbContext db, CancellationToken ct)
    {
        var errors = ValidateTitle(request.Title, Material.TitleLength) ?? [];
        // The bounds hold whatever the kind: a field the kind does not use is cleared, but never taken past its bound.
        if (request.Body?.Length > Material.BodyLength)
        {
            errors["body"] = [$"At most {Material.BodyLength} characters."];
        }
        if (request.Url?.Length > Material.UrlLength)
        {
            errors["url"] = [$"At most {Material.UrlLength} characters."];
        }
        switch (request.Kind)
        {
            case null:
                errors["kind"] = ["One of video, document, text, link."];
                break;
            case MaterialKind.Video when request.MediaId is not { } mediaId
                || !await db.MediaFiles.AnyAsync(m => m.Id == mediaId && (m.OwnerId == authorId || m.OwnerId == me), ct):
                errors["media_id"] = ["A video uploaded by the course's author (see /api/content/media/upload-url)."];
                break;
            case MaterialKind.Document when request.DocumentId is not { } documentId
                || !await db.Documents.AnyAsync(d => d.Id == documentId && (d.OwnerId == authorId || d.OwnerId == me) && d.Status == DocumentStatus.Ready, ct):
                errors["document_id"] = ["A ready document uploaded by the course's author (see /api/content/documents/upload-url)."];
                break;
            case MaterialKind.Text when string.IsNullOrWhiteSpace(request.Body) || request.Body.Length > Material.BodyLength:
                errors["body"] = [$"Required for a text, at most {Material.BodyLength} characters."];
                break;
            case MaterialKind.Link when !IsWebUrl(request.Url):
                errors["url"] = [$"An absolute http(s) URL of at most {Material.UrlLength} characters."];
                break;
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        var kind = request.Kind!.Value;
        material.Kind = kind;
        material.Title = request.Title!.Trim();
        material.IsPublished = request.Published ?? true;
        material.MediaId = kind == MaterialKind.Video ? request.MediaId : null;
        material.DocumentId = kind == MaterialKind.Document ? request.DocumentId : null;
        material.Body = kind == MaterialKind.Text ? request.Body : null;
        material.Url = kind == MaterialKind.Link ? request.Url!.Trim() : null;
        return errors;
    }

    private static bool IsWebUrl(string? url) =>
        url is { Length: > 0 and <= Material.UrlLength }
        && Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private static IQueryable<Section> ManagedSections(ContentDbContext db, ClaimsPrincipal principal) =>
        from s in db.Sections join c in db.Courses.Managed(principal) on s.CourseId equals c.Id select s;

    private static Dictionary<string, string[]>? ValidateTitle(string? title, int maxLength) =>
        string.IsNullOrWhiteSpace(title) || title.Length > maxLength
            ? new Dictionary<string, string[]> { ["title"] = [$"Required, at most {maxLength} characters."] }
            : null;

    private static bool IsPermutation(Guid[]? ids, IEnumerable<Guid> existing)
    {
        var current = existing.ToHashSet();
        return ids is not null && ids.Length <= OrderRequest.MaxIds && ids.Length == current.Count && ids.Distinct().Count() == ids.Length && ids.All(current.Contains);
    }

    private static ProblemHttpResult InvalidOrder(string what) =>
        Problems.InvalidField("ids", $"ids must list every one of the {what} exactly once.", "invalid_order");

    private static ProblemHttpResult SectionNotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "section_not_found", "No such section in a course you can see.");

    private static ProblemHttpResult MaterialNotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "material_not_found", "No such material, or it is not visible to you.");
}
