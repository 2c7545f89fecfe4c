using System.Security.Claims;
using Campus.Messaging.Outbox;
using Campus.Profile.Data;
using Campus.Profile.Profiles;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Avatars;

public sealed record AvatarUploadRequest(string? ContentType, long Size);

public sealed record AvatarUploadResponse(Uri UploadUrl, string Key, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Headers);

public sealed record AvatarConfirmRequest(string? Key);

/// <summary>Avatars go from the browser straight to S3 (presigned PUT); the service checks the object before using it.</summary>
public static class AvatarApi
{
    public const long MaxBytes = 5 * 1024 * 1024;

    /// <summary>Sane pixel limits: a 1×1 tracking pixel or a 100k-wide decompression bomb is no avatar.</summary>
    public const int MinSide = 16;
    public const int MaxSide = 8192;

    public static readonly UploadRules Rules = new(MaxBytes, [FileSignatures.Jpeg, FileSignatures.Png]);

    public static IEndpointRouteBuilder MapAvatarApi(this IEndpointRouteBuilder routes)
    {
        var avatar = routes.MapGroup("/api/profile/avatar").WithTags("Avatar").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        avatar.MapPost("/upload-url", UploadUrlAsync)
            .WithName("CreateAvatarUploadUrl")
            .WithSummary("A presigned PUT for a JPEG or PNG of at most 5 MB; send exactly the returned headers.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        avatar.MapPost("/confirm", ConfirmAsync)
            .WithName("ConfirmAvatar")
            .WithSummary("Checks the uploaded object (size, type, magic bytes, dimensions) and makes it the avatar.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        return routes;
    }

    public static async Task<Results<Ok<AvatarUploadResponse>, ValidationProblem, ProblemHttpResult>> UploadUrlAsync(
        AvatarUploadRequest request, ClaimsPrincipal principal, IObjectStorage storage)
    {
        var type = Rules.Find(request.ContentType);
        if (type is null)
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "An avatar is an image/jpeg or image/png.");
        }
        if (request.Size <= 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["size"] = ["The file size in bytes, above 0."] });
        }
        if (request.Size > MaxBytes)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "too_large", $"An avatar has at most {MaxBytes} bytes.");
        }
        var key = ObjectKeys.New(principal.UserId(), type.Extension);
        var presigned = await storage.PresignUploadAsync(StorageBuckets.Avatars, key, type.ContentType);
        return TypedResults.Ok(new AvatarUploadResponse(presigned.Url, key, presigned.ExpiresAt, presigned.Headers));
    }

    public static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        AvatarConfirmRequest request, ClaimsPrincipal principal, ProfileDbContext db, IObjectStorage storage, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var me = principal.UserId();
        if (!ObjectKeys.IsSafe(request.Key) || request.Key!.Split('/') is not [_, _])
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["key"] = ["The key returned by upload-url."] });
        }
        // Keys are issued as "{user id}/{random}": a key under another prefix was not issued to this caller.
        if (!request.Key.StartsWith($"{me}/", StringComparison.Ordinal))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "key_not_owned", "This key was not issued to you.");
        }

        var verification = await storage.VerifyUploadAsync(StorageBuckets.Avatars, request.Key, Rules, cancellationToken: ct);
        if (!verification.IsAccepted)
        {
            return verification.Problem.Code == UploadProblems.Missing
                ? Problems.Create(StatusCodes.Status404NotFound, "upload_missing", "Nothing was uploaded under this key.")
                : InvalidImage(verification.Problem.Detail);
        }
        var header = await storage.ReadFirstBytesAsync(StorageBuckets.Avatars, request.Key, ImageHeader.SampleLength, ct);
        var size = header is null ? null : ImageHeader.Read(header, verification.Type.ContentType);
        if (size is not ({ } dimensions) || dimensions.Width is < MinSide or > MaxSide || dimensions.Height is < MinSide or > MaxSide)
        {
            await storage.DeleteAsync(StorageBuckets.Avatars, request.Key, ct);
            return InvalidImage($"The file is not a readable image of {MinSide}–{MaxSide} pixels a side.");
        }

        var profile = await ProfileStore.GetOrCreateAsync(db, me, time.GetUtcNow(), ct);
        var previous = profile.AvatarKey;
        if (previous == request.Key)
        {
            return TypedResults.Ok(await ProfilesApi.ToResponseAsync(profile, storage));
        }
        var now = time.GetUtcNow();
        profile.AvatarKey = request.Key;
        profile.UpdatedAt = now;
        db.ProfileHistory.Add(new ProfileHistoryEntry
        {
            UserId = me, Field = "avatar", OldValue = previous, NewValue = request.Key, ChangedBy = me, ChangedAt = now,
        });
        db.AddOutboxMessage(new ProfileUpdated(me, ["avatar"], me));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            await storage.DeleteAsync(StorageBuckets.Avatars, request.Key, ct);
            return Problems.Create(StatusCodes.Status409Conflict, "concurrent_update", "The profile was changed at the same time; upload again.");
        }

        if (previous is not null)
        {
            // After the commit: a failure here leaves an orphan object, never a profile pointing at nothing.
            try
            {
                await storage.DeleteAsync(StorageBuckets.Avatars, previous, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                loggers.CreateLogger(typeof(AvatarApi)).LogWarning(ex, "Could not delete the previous avatar of {UserId}", me);
            }
        }
        return TypedResults.Ok(await ProfilesApi.ToResponseAsync(profile, storage));
    }

    private static ProblemHttpResult InvalidImage(string detail) =>
        Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_image", "The uploaded file is not an acceptable avatar.", detail);
}
