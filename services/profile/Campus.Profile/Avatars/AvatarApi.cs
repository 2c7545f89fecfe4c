using System.Security.Claims;
using Campus.Profile.Data;
using Campus.Profile.Profiles;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Avatars;

public sealed record AvatarUploadRequest(
    [property: Bounds(MaxLength = UploadRules.ContentTypeLength)] string? ContentType,
    [property: Bounds(1, AvatarApi.MaxBytes)] long SizeBytes);

/// <summary>
/// Where to PUT the image (exactly <see cref="Headers"/>, before <see cref="ExpiresAt"/>); then <c>POST /avatar/{id}/complete</c>.
/// <see cref="Key"/> is for the deprecated <c>POST /avatar/confirm {key}</c> only.
/// </summary>
public sealed record AvatarUploadResponse(Guid Id, Uri UploadUrl, string Key, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Headers);

public sealed record AvatarConfirmRequest([property: Bounds(MaxLength = ObjectKeys.MaxKeyBytes)] string? Key);

/// <summary>Avatars go from the browser straight to S3 (presigned PUT); the service checks the object before using it.</summary>
public static class AvatarApi
{
    public const long MaxBytes = 5 * 1024 * 1024;

    /// <summary>Sane pixel limits: a 1×1 tracking pixel or a 100k-wide decompression bomb is no avatar.</summary>
    public const int MinSide = 16;
    public const int MaxSide = 8192;

    public static readonly UploadRules Rules = new(MaxBytes, [FileSignatures.Jpeg, FileSignatures.Png]);

    /// <summary>How long the record of an issued upload URL is kept (far beyond the URL's own expiry).</summary>
    private static readonly TimeSpan UploadRowLifetime = TimeSpan.FromDays(1);

    public static IEndpointRouteBuilder MapAvatarApi(this IEndpointRouteBuilder routes)
    {
        var avatar = routes.MapGroup("/api/profile/avatar").WithTags("Avatar").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // The upload protocol of every Campus service: POST …/upload-url, PUT the bytes, POST …/{id}/complete.
        avatar.MapPost("/upload-url", UploadUrlAsync)
            .WithName("CreateAvatarUploadUrl")
            .WithSummary("A presigned PUT for a JPEG or PNG of at most 5 MB; send exactly the returned headers, then complete it.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        avatar.MapPost("/{id:guid}/complete", CompleteAsync)
            .WithName("CompleteAvatarUpload")
            .WithSummary("Checks the uploaded object (size, type, magic bytes, dimensions) and makes it the avatar; a refused object is deleted.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        // The route before the common protocol, kept for existing clients (deprecated in the contract).
        avatar.MapPost("/confirm", ConfirmAsync)
            .WithName("ConfirmAvatar")
            .WithSummary("Deprecated: POST /api/profile/avatar/{id}/complete.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Deprecated = true;
                return Task.CompletedTask;
            });

        return routes;
    }

    public static async Task<Results<Ok<AvatarUploadResponse>, ProblemHttpResult>> UploadUrlAsync(
        AvatarUploadRequest request, ClaimsPrincipal principal, ProfileDbContext db, IObjectStorage storage, TimeProvider time,
        CancellationToken ct)
    {
        if (Rules.Precheck(null, request.ContentType, request.SizeBytes) is { } problem)
        {
            return UploadAnswers.Declined(problem);
        }
        var type = Rules.Find(request.ContentType)!;
        var me = principal.UserId();
        var now = time.GetUtcNow();
        // Random keys say nothing of their owner: the row does. Rows of earlier days have served their purpose.
        await db.AvatarUploads.Where(u => u.UserId == me && u.CreatedAt < now - UploadRowLifetime).ExecuteDeleteAsync(ct);
        var key = ObjectKeys.NewUpload(type.Extension);
        var upload = new AvatarUpload
        {
            Id = Guid.CreateVersion7(), Key = key, UserId = me, ContentType = type.ContentType, Size = request.SizeBytes, CreatedAt = now,
        };
        db.AvatarUploads.Add(upload);
        await db.SaveChangesAsync(ct);
        var presigned = await storage.PresignUploadAsync(StorageBuckets.Avatars, key, type.ContentType);
        return TypedResults.Ok(new AvatarUploadResponse(upload.Id, presigned.Url, key, presigned.ExpiresAt, presigned.Headers));
    }

    public static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> CompleteAsync(
        Guid id, ClaimsPrincipal principal, AvatarPromotion promotion, CancellationToken ct) =>
        await promotion.CompleteAsync(id, principal.UserId(), ct) switch
        {
            AvatarPromotionResult.Promoted promoted => TypedResults.Ok(promoted.Profile),
            var refused => Refusal(refused),
        };

    public static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        AvatarConfirmRequest request, ClaimsPrincipal principal, AvatarPromotion promotion, CancellationToken ct)
    {
        if (!ObjectKeys.IsUpload(request.Key))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["key"] = ["The key returned by upload-url."] });
        }
        return await promotion.ConfirmAsync(request.Key!, principal.UserId(), ct) switch
        {
            AvatarPromotionResult.Promoted promoted => TypedResults.Ok(promoted.Profile),
            var refused => Refusal(refused),
        };
    }

    // The refusals both routes share.
    private static ProblemHttpResult Refusal(AvatarPromotionResult result) => result switch
    {
        AvatarPromotionResult.NotFound => Problems.Create(StatusCodes.Status404NotFound, "upload_not_found", "No avatar upload of yours has this id."),
        AvatarPromotionResult.NotOwned => Problems.Create(StatusCodes.Status403Forbidden, "key_not_owned", "This key was not issued to you."),
        AvatarPromotionResult.Refused refused => UploadAnswers.Refused(refused.Problem, "The uploaded file is not an acceptable avatar."),
        AvatarPromotionResult.InvalidImage invalid => Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_image",
            "The uploaded file is not an acceptable avatar.", invalid.Detail),
        AvatarPromotionResult.ConcurrentUpdate => Problems.Create(StatusCodes.Status409Conflict, "concurrent_update",
            "The profile was changed at the same time; confirm again."),
        _ => throw new InvalidOperationException($"Unexpected avatar promotion result {result.GetType().Name}."),
    };
}
