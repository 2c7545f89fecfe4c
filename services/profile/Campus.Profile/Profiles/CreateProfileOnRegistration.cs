using Campus.Messaging;
using Campus.Profile.Data;

namespace Campus.Profile.Profiles;

/// <summary>Creates the empty profile of a new user; a repeated event (at-least-once delivery) changes nothing.</summary>
public sealed class CreateProfileOnRegistration(ProfileDbContext db, TimeProvider time) : IIntegrationEventHandler<UserRegistered>
{
    public const string Queue = "profile.user-registered";

    public Task HandleAsync(UserRegistered evt, MessageContext context, CancellationToken cancellationToken) =>
        ProfileStore.EnsureAsync(db, evt.UserId, time.GetUtcNow(), cancellationToken);
}
