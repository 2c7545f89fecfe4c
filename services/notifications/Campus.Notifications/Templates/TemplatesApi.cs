using System.Text.Json;
using Campus.Notifications.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Notifications.Templates;

public sealed record TemplateRequest(
    [property: Bounds(MaxLength = NotificationType.KeyLength)] string? TypeKey,
    [property: OneOf(typeof(Channels), nameof(Channels.All))] string? Channel,
    [property: OneOf(typeof(Locales), nameof(Locales.All))] string? Locale,
    [property: Bounds(MaxLength = Template.BodyLength)] string? Body,
    [property: Bounds(MaxLength = Template.SubjectLength)] string? Subject = null);

public sealed record TemplateResponse(
    Guid Id, string TypeKey,
    [property: OneOf(typeof(Channels), nameof(Channels.All))] string Channel,
    [property: OneOf(typeof(Locales), nameof(Locales.All))] string Locale,
    string? Subject, string Body, DateTimeOffset UpdatedAt)
{
    public static TemplateResponse From(Template t) => new(t.Id, t.TypeKey, t.Channel, t.Locale, t.Subject, t.Body, t.UpdatedAt);
}

/// <summary>The values to render with; without them the type's sample values are used.</summary>
public sealed record PreviewRequest(Dictionary<string, JsonElement>? Payload = null);

public sealed record PreviewResponse(string? Subject, string Body, IDictionary<string, object?> Payload);

/// <summary>Admin management of the Mustache templates (one per type × channel × locale) and their preview.</summary>
public static class TemplatesApi
{
    public static IEndpointRouteBuilder MapTemplatesApi(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/notifications/templates").WithTags("Notification templates")
            .RequireAuthorization(Policies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapGet("/", ListAsync)
            .WithName("ListTemplates")
            .WithSummary("Templates, optionally of one type, channel or locale.")
            .ProducesValidationProblem();

        admin.MapGet("/{id:guid}", GetAsync)
            .WithName("GetTemplate")
            .WithSummary("One template.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPost("/", CreateAsync)
            .WithName("CreateTemplate")
            .WithSummary("Adds a template; one per type × channel × locale, and it must compile.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapPut("/{id:guid}", UpdateAsync)
            .WithName("UpdateTemplate")
            .WithSummary("Replaces a template; it must compile and stay unique per type × channel × locale.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapDelete("/{id:guid}", DeleteAsync)
            .WithName("DeleteTemplate")
            .WithSummary("Deletes a template; that type × channel then falls back to another locale's template.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPost("/{id:guid}/preview", PreviewAsync)
            .WithName("PreviewTemplate")
            .WithSummary("Renders a template with the given payload, or with sample values of its type.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    public static async Task<Results<Ok<List<TemplateResponse>>, ProblemHttpResult>> ListAsync(NotificationsDbContext db, CancellationToken ct,
        [FromQuery(Name = "type_key"), Bounds(MaxLength = NotificationType.KeyLength)] string? typeKey = null,
        [OneOf(typeof(Channels), nameof(Channels.All))] string? channel = null,
        [OneOf(typeof(Locales), nameof(Locales.All))] string? locale = null)
    {
        if (typeKey?.Length > NotificationType.KeyLength)
        {
            return Problems.InvalidField("type_key", $"type_key has at most {NotificationType.KeyLength} characters.", "invalid_filter");
        }
        if (channel is not null && !Channels.IsKnown(channel))
        {
            return Problems.InvalidField("channel", $"channel is one of: {string.Join(", ", Channels.All)}.", "invalid_filter");
        }
        if (locale is not null && !Locales.IsKnown(locale))
        {
            return Problems.InvalidField("locale", $"locale is one of: {string.Join(", ", Locales.All)}.", "invalid_filter");
        }
        return TypedResults.Ok(await db.Templates.AsNoTracking()
            .Where(t => (typeKey == null || t.TypeKey == typeKey) && (channel == null || t.Channel == channel) && (locale == null || t.Locale == locale))
            .OrderBy(t => t.TypeKey).ThenBy(t => t.Channel).ThenBy(t => t.Locale)
            .Select(t => new TemplateResponse(t.Id, t.TypeKey, t.Channel, t.Locale, t.Subject, t.Body, t.UpdatedAt))
            .ToListAsync(ct));
    }

    public static async Task<Results<Ok<TemplateResponse>, ProblemHttpResult>> GetAsync(Guid id, NotificationsDbContext db, CancellationToken ct) =>
        await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct) is { } template
            ? TypedResults.Ok(TemplateResponse.From(template))
            : NotFound();

    public static async Task<Results<Created<TemplateResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        TemplateRequest request, NotificationsDbContext db, TemplateRenderer renderer, TimeProvider time, CancellationToken ct)
    {
        if (await ValidateAsync(request, db, ct) is { } invalid)
        {
            return invalid;
        }
        if (Compile(request, renderer) is { } broken)
        {
            return broken;
        }
        var template = new Template
        {
            Id = Guid.CreateVersion7(), TypeKey = request.TypeKey!, Channel = request.Channel!, Locale = request.Locale!,
            Subject = Blank(request.Subject), Body = request.Body!, UpdatedAt = time.GetUtcNow(),
        };
        db.Templates.Add(template);
        return await TrySaveAsync(db, ct)
            ? TypedResults.Created($"/api/notifications/templates/{template.Id}", TemplateResponse.From(template))
            : Exists();
    }

    public static async Task<Results<Ok<TemplateResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, TemplateRequest request, NotificationsDbContext db, TemplateRenderer renderer, TimeProvider time, CancellationToken ct)
    {
        if (await ValidateAsync(request, db, ct) is { } invalid)
        {
            return invalid;
        }
        if (Compile(request, renderer) is { } broken)
        {
            return broken;
        }
        var template = await db.Templates.FirstOrDefaultAsync(t => t.Id == id, ct);
        if (template is null)
        {
            return NotFound();
        }
        template.TypeKey = request.TypeKey!;
        template.Channel = request.Channel!;
        template.Locale = request.Locale!;
        template.Subject = Blank(request.Subject);
        template.Body = request.Body!;
        template.UpdatedAt = time.GetUtcNow();
        return await TrySaveAsync(db, ct) ? TypedResults.Ok(TemplateResponse.From(template)) : Exists();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, NotificationsDbContext db, CancellationToken ct) =>
        await db.Templates.Where(t => t.Id == id).ExecuteDeleteAsync(ct) == 0 ? NotFound() : TypedResults.NoContent();

    public static async Task<Results<Ok<PreviewResponse>, ProblemHttpResult>> PreviewAsync(
        Guid id, PreviewRequest? request, NotificationsDbContext db, TemplateRenderer renderer, CancellationToken ct)
    {
        var template = await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        if (template is null)
        {
            return NotFound();
        }
        var values = request?.Payload is { } payload
            ? payload.ToDictionary(p => p.Key, p => JsonValues.ToModel(p.Value))
            : SampleValues.For(template.TypeKey);
        var (subject, body) = renderer.Render(template, values);
        return TypedResults.Ok(new PreviewResponse(subject, body, values));
    }

    /// <summary>Field errors of a malformed request (400 <c>validation_failed</c>).</summary>
    private static async Task<ValidationProblem?> ValidateAsync(TemplateRequest request, NotificationsDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.TypeKey) || request.TypeKey.Length > NotificationType.KeyLength
            || !await db.NotificationTypes.AnyAsync(t => t.Key == request.TypeKey, ct))
        {
            errors["type_key"] = ["Required: the key of an existing notification type."];
        }
        if (request.Channel is null || !Channels.IsKnown(request.Channel))
        {
            errors["channel"] = [$"One of: {string.Join(", ", Channels.All)}."];
        }
        if (request.Locale is null || !Locales.IsKnown(request.Locale))
        {
            errors["locale"] = [$"One of: {string.Join(", ", Locales.All)}."];
        }
        if (string.IsNullOrWhiteSpace(request.Body) || request.Body.Length > Template.BodyLength)
        {
            errors["body"] = [$"Required, at most {Template.BodyLength} characters."];
        }
        if (request.Subject?.Length > Template.SubjectLength)
        {
            errors["subject"] = [$"At most {Template.SubjectLength} characters."];
        }
        else if (request.Channel == Channels.Email && string.IsNullOrWhiteSpace(request.Subject))
        {
            errors["subject"] = ["Required for e-mail."];
        }
        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors);
    }

    /// <summary>400 <c>template_invalid</c>: a field error on each part that does not compile, with the parser's message.</summary>
    private static ProblemHttpResult? Compile(TemplateRequest request, TemplateRenderer renderer)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Subject is not null && renderer.Validate(request.Subject) is { } subjectError)
        {
            errors["subject"] = [$"Not a valid Mustache template: {subjectError}"];
        }
        if (renderer.Validate(request.Body!) is { } bodyError)
        {
            errors["body"] = [$"Not a valid Mustache template: {bodyError}"];
        }
        return errors.Count == 0 ? null : Problems.InvalidFields(errors, "template_invalid", "The template does not compile.");
    }

    private static async Task<bool> TrySaveAsync(NotificationsDbContext db, CancellationToken ct)
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

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static ProblemHttpResult Exists() => Problems.Create(StatusCodes.Status409Conflict, "template_exists",
        "A template for this type, channel and locale exists; change that one instead.");

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "template_not_found", "No template with this id.");
}

/// <summary>JSON values as the plain objects Mustache walks (dictionaries, lists, strings, numbers, booleans).</summary>
internal static class JsonValues
{
    public static object? ToModel(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => ToModel(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().Select(ToModel).ToList(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var integer) ? integer : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}

/// <summary>Example values of each type's templates, for previews (the same names the event handlers fill in).</summary>
public static class SampleValues
{
    public static Dictionary<string, object?> For(string typeKey) => typeKey switch
    {
        NotificationTypes.EmailConfirmation or NotificationTypes.PasswordReset => new()
        {
            ["email"] = "user@example.org",
            ["link"] = "https://campus.example.org/confirm-email?token=SAMPLE",
            ["expires_at"] = "2026-01-01 12:00 UTC",
        },
        NotificationTypes.MediaReady => new()
        {
            ["media_id"] = Guid.Empty.ToString(), ["filename"] = "intro.mp4", ["duration_seconds"] = 95.0, ["duration"] = "1:35",
            ["renditions"] = "360p, 720p",
        },
        NotificationTypes.MediaFailed => new()
        {
            ["media_id"] = Guid.Empty.ToString(), ["filename"] = "intro.mp4", ["error"] = "the file is not a video",
        },
        NotificationTypes.CoursePublished => new()
        {
            ["course_id"] = Guid.Empty.ToString(), ["title"] = "Information security basics",
            ["link"] = $"https://campus.example.org/courses/{Guid.Empty}",
        },
        NotificationTypes.CourseAssigned or NotificationTypes.CourseDueSoon or NotificationTypes.CourseOverdue
            or NotificationTypes.CourseCompleted => new()
            {
                ["course_id"] = Guid.Empty.ToString(), ["title"] = "Information security basics",
                ["link"] = $"https://campus.example.org/courses/{Guid.Empty}",
                ["due_at"] = "2026-01-01 12:00 UTC", ["days_left"] = 3, ["completed_at"] = "2026-01-01 12:00 UTC",
            },
        _ => [],
    };
}
