using Campus.Profile.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Profile.ExperienceLevels;

public sealed record ExperienceLevelRequest(
    [property: Bounds(MaxLength = ExperienceLevelConfiguration.NameLength)] string? Name,
    [property: Bounds(ExperienceLevelConfiguration.MinRank, ExperienceLevelConfiguration.MaxRank)] int Rank = 0,
    [property: Bounds(MaxLength = ExperienceLevelConfiguration.DescriptionLength)] string? Description = null);

public sealed record ExperienceLevelResponse(Guid Id, string Name, int Rank, string? Description)
{
    public static ExperienceLevelResponse From(ExperienceLevel level) => new(level.Id, level.Name, level.Rank, level.Description);
}

/// <summary>Experience levels: everyone lists them, admins manage them.</summary>
public static class ExperienceLevelsApi
{
    public static IEndpointRouteBuilder MapExperienceLevelsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/profile/experience-levels").WithTags("Experience levels").RequireAuthorization()
            .MapGet("/", ListAsync)
            .WithName("ListExperienceLevels")
            .WithSummary("All experience levels, by rank.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        routes.MapGroup("/api/profile/experience-levels").WithTags("Experience levels").RequireAuthorization()
            .MapGet("/{id:guid}", GetAsync)
            .WithName("GetExperienceLevel")
            .WithSummary("One experience level (the Location of a created one).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        var admin = routes.MapGroup("/api/profile/experience-levels").WithTags("Experience levels")
            .RequireAuthorization(Policies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapPost("/", CreateAsync)
            .WithName("CreateExperienceLevel")
            .WithSummary("Adds an experience level; names are unique.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapPut("/{id:guid}", UpdateAsync)
            .WithName("UpdateExperienceLevel")
            .WithSummary("Changes an experience level's name, rank and description.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapDelete("/{id:guid}", DeleteAsync)
            .WithName("DeleteExperienceLevel")
            .WithSummary("Deletes an experience level no profile uses.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return routes;
    }

    public static async Task<Ok<List<ExperienceLevelResponse>>> ListAsync(ProfileDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.ExperienceLevels.AsNoTracking().OrderBy(l => l.Rank).ThenBy(l => l.Name)
            .Select(l => new ExperienceLevelResponse(l.Id, l.Name, l.Rank, l.Description)).ToListAsync(ct));

    public static async Task<Results<Ok<ExperienceLevelResponse>, ProblemHttpResult>> GetAsync(Guid id, ProfileDbContext db, CancellationToken ct) =>
        await db.ExperienceLevels.AsNoTracking().Where(l => l.Id == id)
            .Select(l => new ExperienceLevelResponse(l.Id, l.Name, l.Rank, l.Description)).FirstOrDefaultAsync(ct) is { } level
            ? TypedResults.Ok(level)
            : NotFound();

    public static async Task<Results<Created<ExperienceLevelResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ExperienceLevelRequest request, ProfileDbContext db, CancellationToken ct)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }
        var level = new ExperienceLevel { Id = Guid.CreateVersion7(), Name = request.Name!.Trim(), Rank = request.Rank, Description = Blank(request.Description) };
        db.ExperienceLevels.Add(level);
        if (!await TrySaveAsync(db, ct))
        {
            return Exists();
        }
        return TypedResults.Created($"/api/profile/experience-levels/{level.Id}", ExperienceLevelResponse.From(level));
    }

    public static async Task<Results<Ok<ExperienceLevelResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, ExperienceLevelRequest request, ProfileDbContext db, CancellationToken ct)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }
        var level = await db.ExperienceLevels.FirstOrDefaultAsync(l => l.Id == id, ct);
        if (level is null)
        {
            return NotFound();
        }
        level.Name = request.Name!.Trim();
        level.Rank = request.Rank;
        level.Description = Blank(request.Description);
        return await TrySaveAsync(db, ct) ? TypedResults.Ok(ExperienceLevelResponse.From(level)) : Exists();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, ProfileDbContext db, CancellationToken ct)
    {
        // REVIEW: check-then-delete without a foreign key; a PUT choosing this level at the same instant can keep a
        // dangling id. Rare admin action; a FK from profiles would close it.
        if (await db.Profiles.AnyAsync(p => p.ExperienceLevelId == id, ct))
        {
            return Problems.Create(StatusCodes.Status409Conflict, "experience_level_in_use", "Profiles use this experience level.");
        }
        var deleted = await db.ExperienceLevels.Where(l => l.Id == id).ExecuteDeleteAsync(ct);
        return deleted == 0 ? NotFound() : TypedResults.NoContent();
    }

    private static ValidationProblem? Validate(ExperienceLevelRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > ExperienceLevelConfiguration.NameLength)
        {
            errors["name"] = [$"Required, at most {ExperienceLevelConfiguration.NameLength} characters."];
        }
        if (request.Rank is < ExperienceLevelConfiguration.MinRank or > ExperienceLevelConfiguration.MaxRank)
        {
            errors["rank"] = [$"{ExperienceLevelConfiguration.MinRank} to {ExperienceLevelConfiguration.MaxRank}."];
        }
        if (request.Description?.Length > ExperienceLevelConfiguration.DescriptionLength)
        {
            errors["description"] = [$"At most {ExperienceLevelConfiguration.DescriptionLength} characters."];
        }
        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors);
    }

    private static async Task<bool> TrySaveAsync(ProfileDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false;
        }
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static ProblemHttpResult Exists() =>
        Problems.Create(StatusCodes.Status409Conflict, "experience_level_exists", "An experience level with this name exists.");

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "experience_level_not_found", "No experience level with this id.");
}
