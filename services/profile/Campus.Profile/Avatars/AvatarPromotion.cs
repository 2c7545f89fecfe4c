using Campus.Messaging.Outbox;
using Campus.Profile.Data;
using Campus.Profile.Profiles;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Avatars;

/// <summary>What making an upload the avatar came to; the API maps it to a status and a problem code.</summary>
public abstract record AvatarPromotionResult
{
    /// <summary>The upload is the caller's avatar now, or was before (a repeated call changes nothing).</summary>
    public sealed record Promoted(ProfileResponse Profile) : AvatarPromotionResult;
    /// <summary>No avatar upload of the caller has this id (another user's does not exist for the caller).</summary>
    public sealed record NotFound : AvatarPromotionResult;
    /// <summary>The key was not issued to the caller.</summary>
    public sealed record NotOwned : AvatarPromotionResult;
    /// <summary>
    /// Nothing was uploaded under the upload's key (<see cref="UploadProblems.Missing"/>), or the object is not what was
    /// declared (type, size, magic number; it was deleted).
    /// </summary>
    public sealed record Refused(UploadProblem Problem) : AvatarPromotionResult;
    /// <summary>The file is an image of the declared type but no acceptable avatar (<paramref name="Detail"/> says why); it was deleted.</summary>
    public sealed record InvalidImage(string Detail) : AvatarPromotionResult;
    /// <summary>The profile was changed at the same time; nothing was committed and the upload stays for another try.</summary>
    public sealed record ConcurrentUpdate : AvatarPromotionResult;
}

/// <summary>
/// Making an uploaded image the caller's avatar: the object is checked (size, type, magic bytes, dimensions) and promoted
/// to the checked copy, the profile, its history and the <see cref="ProfileUpdated"/> message are written in one save, and
/// only then the upload and the previous avatar are deleted; a refused object is deleted at once.
/// </summary>
public sealed class AvatarPromotion(ProfileDbContext db, IObjectStorage storage, TimeProvider time, ILogger<AvatarPromotion> logger)
{
    /// <summary>Promotes the caller's upload <paramref name="id"/> (<c>POST /avatar/{id}/complete</c>).</summary>
    public async Task<AvatarPromotionResult> CompleteAsync(Guid id, Guid me, CancellationToken ct)
    {
        var upload = await db.AvatarUploads.FirstOrDefaultAsync(u => u.Id == id && u.UserId == me, ct);
        return upload is null ? new AvatarPromotionResult.NotFound() : await PromoteAsync(upload, me, ct);
    }

    /// <summary>Promotes the upload under <paramref name="key"/>, if it was issued to the caller (the deprecated <c>POST /avatar/confirm</c>).</summary>
    public async Task<AvatarPromotionResult> ConfirmAsync(string key, Guid me, CancellationToken ct)
    {
        var upload = await db.AvatarUploads.FirstOrDefaultAsync(u => u.Key == key, ct);
        return upload is null || upload.UserId != me ? new AvatarPromotionResult.NotOwned() : await PromoteAsync(upload, me, ct);
    }

    private async Task<AvatarPromotionResult> PromoteAsync(AvatarUpload upload, Guid me, CancellationToken ct)
    {
        if (upload.CheckedKey is not null)
        {
            // Confirmed before: a repeated call changes nothing.
            return new AvatarPromotionResult.Promoted(
                await ProfilesApi.ToResponseAsync(await ProfileStore.GetOrCreateAsync(db, me, time.GetUtcNow(), ct), storage));
        }

        // From here on only the checked copy is used: the upload URL stays valid, but nothing reads its key again.
        var verification = await storage.PromoteUploadAsync(StorageBuckets.Avatars, upload.Key, AvatarApi.Rules, upload.ContentType, upload.Size, ct);
        if (!verification.IsAccepted)
        {
            return new AvatarPromotionResult.Refused(verification.Problem);
        }
        var checkedKey = verification.Object.Key;
        var header = await storage.ReadFirstBytesAsync(StorageBuckets.Avatars, checkedKey, ImageHeader.SampleLength, ct);
        var size = header is null ? null : ImageHeader.Read(header, verification.Type.ContentType);
        if (size is not ({ } dimensions) || dimensions.Width is < AvatarApi.MinSide or > AvatarApi.MaxSide
            || dimensions.Height is < AvatarApi.MinSide or > AvatarApi.MaxSide)
        {
            // Refused: both keys go, as for any refused upload.
            await storage.DeleteAsync(StorageBuckets.Avatars, checkedKey, ct);
            await storage.DeleteAsync(StorageBuckets.Avatars, upload.Key, ct);
            return new AvatarPromotionResult.InvalidImage(
                $"The file is not a readable image of {AvatarApi.MinSide}–{AvatarApi.MaxSide} pixels a side.");
        }

        var profile = await ProfileStore.GetOrCreateAsync(db, me, time.GetUtcNow(), ct);
        var previous = profile.AvatarKey;
        var now = time.GetUtcNow();
        upload.CheckedKey = checkedKey;
        profile.AvatarKey = checkedKey;
        profile.UpdatedAt = now;
        db.ProfileHistory.Add(new ProfileHistoryEntry
        {
            UserId = me, Field = "avatar", OldValue = previous, NewValue = checkedKey, ChangedBy = me, ChangedAt = now,
        });
        db.AddOutboxMessage(ProfileUpdated.Of(profile, ["avatar"], me));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Nothing was committed: this copy is named nowhere, and the upload stays for another confirm.
            await storage.DeleteAsync(StorageBuckets.Avatars, checkedKey, ct);
            return new AvatarPromotionResult.ConcurrentUpdate();
        }
        // Only now that the profile names the checked copy: had the commit failed, a retry would promote the upload again.
        await storage.DeleteUploadAsync(StorageBuckets.Avatars, upload.Key, ct);

        if (previous is not null)
        {
            // After the commit: a failure here leaves an orphan object, never a profile pointing at nothing.
            try
            {
                await storage.DeleteAsync(StorageBuckets.Avatars, previous, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not delete the previous avatar of {UserId}", me);
            }
        }
        return new AvatarPromotionResult.Promoted(await ProfilesApi.ToResponseAsync(profile, storage));
    }
}
