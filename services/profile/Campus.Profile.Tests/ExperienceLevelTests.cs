using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;

namespace Campus.Profile.Tests;

public sealed class ExperienceLevelTests(ProfileFactory factory) : IClassFixture<ProfileFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string UniqueName() => "level-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Admin_creates_updates_and_deletes_levels_and_everyone_lists_them_by_rank()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        var (senior, junior) = (UniqueName(), UniqueName());

        var created = await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name = senior, rank = 30, description = "Leads" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name = junior, rank = 10 }, Ct);

        using var student = factory.ClientFor(Guid.NewGuid());
        var names = (await student.GetFromJsonAsync<JsonElement>("/api/profile/experience-levels", Ct))
            .EnumerateArray().Select(l => l.GetProperty("name").GetString()).Where(n => n == senior || n == junior).ToList();
        Assert.Equal([junior, senior], names);

        var updated = await admin.PutAsJsonAsync($"/api/profile/experience-levels/{id}", new { name = senior + "!", rank = 5 }, Ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(5, (await updated.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("rank").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/profile/experience-levels/{id}", Ct)).StatusCode);
        var again = await admin.DeleteAsync($"/api/profile/experience-levels/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("experience_level_not_found", await CodeAsync(again));
    }

    [Fact]
    public async Task The_location_of_a_created_level_is_a_get_everyone_may_read()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        var name = UniqueName();
        var created = await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name, rank = 7, description = "Seven" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var student = factory.ClientFor(Guid.NewGuid());
        var level = await student.GetAsync(created.Headers.Location, Ct);

        Assert.Equal(HttpStatusCode.OK, level.StatusCode);
        var body = await level.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.Equal(7, body.GetProperty("rank").GetInt32());
        var missing = await student.GetAsync($"/api/profile/experience-levels/{Guid.NewGuid()}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("experience_level_not_found", await CodeAsync(missing));
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(created.Headers.Location, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_duplicate_name_is_409_experience_level_exists()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        var name = UniqueName();
        await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name, rank = 1 }, Ct);

        var duplicate = await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name, rank = 2 }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("experience_level_exists", await CodeAsync(duplicate));
    }

    [Fact]
    public async Task A_level_in_use_cannot_be_deleted()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        var created = await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name = UniqueName(), rank = 1 }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        using var user = factory.ClientFor(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.OK, (await user.PutAsJsonAsync("/api/profile", new { experience_level_id = id }, Ct)).StatusCode);

        var delete = await admin.DeleteAsync($"/api/profile/experience-levels/{id}", Ct);

        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Equal("experience_level_in_use", await CodeAsync(delete));
    }

    [Fact]
    public async Task Non_admins_cannot_manage_levels()
    {
        using var student = factory.ClientFor(Guid.NewGuid(), "student author");

        Assert.Equal(HttpStatusCode.Forbidden, (await student.PostAsJsonAsync("/api/profile/experience-levels", new { name = UniqueName() }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PutAsJsonAsync($"/api/profile/experience-levels/{Guid.NewGuid()}", new { name = "x" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.DeleteAsync($"/api/profile/experience-levels/{Guid.NewGuid()}", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_blank_name_is_a_field_error()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        var response = await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name = " " }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Inputs_past_their_contract_bounds_are_refused_with_field_errors()
    {
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");

        // rank: 0..10000, as the contract says; a name counts its blanks.
        foreach (var rank in new[] { -1, 10_001 })
        {
            var response = await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name = UniqueName(), rank }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty("rank", out _));
        }
        Assert.Equal(HttpStatusCode.Created,
            (await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name = UniqueName(), rank = 10_000 }, Ct)).StatusCode);
        var padded = await admin.PostAsJsonAsync("/api/profile/experience-levels", new { name = UniqueName() + new string(' ', 100), rank = 1 }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, padded.StatusCode);

        // A path provider longer than any provider name is a field error, not a lookup.
        using var user = factory.ClientFor(Guid.NewGuid());
        var unlink = await user.DeleteAsync("/api/profile/social/" + new string('p', 33), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unlink.StatusCode);
        Assert.True((await unlink.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("provider", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await user.DeleteAsync("/api/profile/social/" + new string('p', 32), Ct)).StatusCode);

        // A profile field counts what was sent, blanks included.
        var profile = await user.PutAsJsonAsync("/api/profile", new { first_name = "Anna" + new string(' ', 97) }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, profile.StatusCode);
        Assert.True((await profile.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("first_name", out _));
    }
}
