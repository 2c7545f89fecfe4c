using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Tests;

/// <summary>
/// What content tells analytics: material changes and deletions, archiving and leaving, its snapshots on a rebuild
/// request; and that profile's snapshots make learners known to content.
/// </summary>
public sealed class AnalyticsEventsTests(ContentFactory factory) : IClassFixture<ContentFactory>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await factory.WaitUntilReadyAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Text(string title, bool published = true) => new { kind = "text", title, body = "Read me.", published };

    private async Task<List<JsonElement>> EventsAsync(string routingKey, string property, Guid id) =>
        [.. (await factory.Database.OutboxEventsAsync(routingKey)).Where(e => e.GetProperty(property).GetGuid() == id)];

    [Fact]
    public async Task Material_changes_deletions_and_archiving_are_announced_with_the_current_state()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var course = await author.CreateCourseAsync("Fire safety");
        var section = await author.CreateSectionAsync(course, "Part 1");
        var first = await author.CreateMaterialAsync(section, Text("Intro"));
        var second = await author.CreateMaterialAsync(section, Text("Exits", published: false));
        await (await author.PutAsJsonAsync($"/api/content/materials/{second}", Text("Exits and stairs"), Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await author.DeleteAsync($"/api/content/materials/{first}", Ct)).ExpectAsync(HttpStatusCode.NoContent);
        await (await author.PostAsync($"/api/content/courses/{course}/archive", null, Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await author.PostAsync($"/api/content/courses/{course}/archive", null, Ct)).ExpectAsync(HttpStatusCode.OK); // no second event

        var changes = await EventsAsync("content.material.changed", "material_id", second);
        Assert.Equal(
            [("Exits", false, 1), ("Exits and stairs", true, 1), ("Exits and stairs", true, 0)],
            changes.Select(e => (e.GetProperty("title").GetString()!, e.GetProperty("published").GetBoolean(), e.GetProperty("position").GetInt32())));
        Assert.All(changes, e => Assert.Equal((course, "text"), (e.GetProperty("course_id").GetGuid(), e.GetProperty("kind").GetString())));
        var deleted = Assert.Single(await EventsAsync("content.material.deleted", "material_id", first));
        Assert.Equal(course, deleted.GetProperty("course_id").GetGuid());
        Assert.Single(await EventsAsync("content.course.archived", "course_id", course));
    }

    [Fact]
    public async Task Leaving_a_course_is_announced()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var course = await author.CreateCourseAsync("Leave me");
        await author.PublishAsync(course);
        var learner = Guid.NewGuid();
        using var student = factory.ClientFor(learner);
        await (await student.PostAsync($"/api/content/courses/{course}/enrolment", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        await (await student.DeleteAsync($"/api/content/courses/{course}/enrolment", Ct)).ExpectAsync(HttpStatusCode.NoContent);

        var left = Assert.Single(await EventsAsync("content.enrolment.left", "course_id", course));
        Assert.Equal(learner, left.GetProperty("user_id").GetGuid());
    }

    [Fact]
    public async Task A_rebuild_request_republishes_courses_materials_enrolments_and_completions_as_snapshots()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var course = await author.CreateCourseAsync("Snapshot course");
        var section = await author.CreateSectionAsync(course, "Part 1");
        var done = await author.CreateMaterialAsync(section, Text("One"));
        await author.CreateMaterialAsync(section, Text("Two"));
        await author.PublishAsync(course);
        var learner = Guid.NewGuid();
        using var student = factory.ClientFor(learner);
        await (await student.PostAsync($"/api/content/courses/{course}/enrolment", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        await (await student.PostAsync($"/api/content/materials/{done}/complete", null, Ct)).ExpectAsync(HttpStatusCode.OK);

        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        // Completions are the last kind published: once this learner's is there, every kind is.
        await Wait.UntilAsync(async () => (await EventsAsync("content.material_completion.snapshot", "user_id", learner)).Count > 0);
        var courseSnapshot = Assert.Single(await EventsAsync("content.course.snapshot", "course_id", course));
        Assert.Equal(("Snapshot course", "published"), (courseSnapshot.GetProperty("title").GetString(), courseSnapshot.GetProperty("state").GetString()));
        Assert.Equal(2, (await EventsAsync("content.material.snapshot", "course_id", course)).Count);
        var enrolment = Assert.Single(await EventsAsync("content.enrolment.snapshot", "course_id", course));
        Assert.Equal((learner, "self", 1, 2, JsonValueKind.Null), (enrolment.GetProperty("user_id").GetGuid(), enrolment.GetProperty("source").GetString(),
            enrolment.GetProperty("done_materials").GetInt32(), enrolment.GetProperty("total_materials").GetInt32(),
            enrolment.GetProperty("completed_at").ValueKind));
        var completion = Assert.Single(await EventsAsync("content.material_completion.snapshot", "user_id", learner));
        Assert.Equal(done, completion.GetProperty("material_id").GetGuid());
    }

    [Fact]
    public async Task A_profile_snapshot_makes_a_learner_known_like_an_update()
    {
        var user = Guid.NewGuid();
        var id = Guid.CreateVersion7();
        await factory.PublishAsync("profile.profile.snapshot", new
        {
            id, type = "profile.profile.snapshot", occurred_at = DateTimeOffset.UtcNow, user_id = user, display_name = "Vera",
            department = "Logistics", time_zone = "Asia/Yekaterinburg",
        }, id.ToString());

        await Wait.UntilAsync(() => factory.QueryAsync(db => db.Learners.AnyAsync(l => l.UserId == user && l.Department == "Logistics", Ct)));
    }
}
