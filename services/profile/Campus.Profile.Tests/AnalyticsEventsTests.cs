using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;

namespace Campus.Profile.Tests;

/// <summary>What profile tells analytics: the current display name with every change, and its snapshot on a rebuild request.</summary>
public sealed class AnalyticsEventsTests(ProfileFactory factory) : IClassFixture<ProfileFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_profile_change_announces_the_current_display_name_department_and_time_zone()
    {
        var user = Guid.NewGuid();
        using var own = factory.ClientFor(user);
        (await own.GetAsync("/api/profile", Ct)).EnsureSuccessStatusCode(); // creates the profile
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        (await admin.PutAsJsonAsync($"/api/profile/users/{user}", new { display_name = "Anna K.", department = "Sales", time_zone = "Europe/Moscow" }, Ct))
            .EnsureSuccessStatusCode();
        (await own.PutAsJsonAsync("/api/profile", new { display_name = "Anna K.", time_zone = "Europe/Moscow", city = "Kazan" }, Ct))
            .EnsureSuccessStatusCode();

        var last = (await factory.Database.OutboxEventsAsync("profile.profile.updated"))
            .Last(e => e.GetProperty("user_id").GetGuid() == user);
        Assert.Equal(["city"], last.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(("Anna K.", "Sales", "Europe/Moscow"), (last.GetProperty("display_name").GetString(),
            last.GetProperty("department").GetString(), last.GetProperty("time_zone").GetString()));
    }

    [Fact]
    public async Task A_rebuild_request_republishes_every_profile_as_a_snapshot()
    {
        var user = Guid.NewGuid();
        using var own = factory.ClientFor(user);
        (await own.GetAsync("/api/profile", Ct)).EnsureSuccessStatusCode(); // creates the profile
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        (await admin.PutAsJsonAsync($"/api/profile/users/{user}", new { display_name = "Boris", department = "IT" }, Ct)).EnsureSuccessStatusCode();

        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        JsonElement snapshot = default;
        await Wait.UntilAsync(async () =>
        {
            var found = (await factory.Database.OutboxEventsAsync("profile.profile.snapshot"))
                .Where(e => e.GetProperty("user_id").GetGuid() == user).ToList();
            snapshot = found.FirstOrDefault();
            return found.Count > 0;
        });
        Assert.Equal(("Boris", "IT"), (snapshot.GetProperty("display_name").GetString(), snapshot.GetProperty("department").GetString()));
    }
}
