using System.Net;
using Campus.Testing;
using Npgsql;

namespace Campus.E2E.Tests;

/// <summary>
/// Analytics' facts end to end: a course is published, a learner signs in, enrols and completes it and posts two chat
/// messages through the edge, and the facts appear in analytics' database from the owners' events alone; an admin's rebuild (a student's is 403)
/// empties them, and the owners' snapshots bring them back, while a fact no owner knows of is gone.
/// </summary>
public sealed class AnalyticsRebuildTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Facts_follow_the_owners_and_a_rebuild_refills_them_from_their_snapshots()
    {
        var author = await SignIn.WithRolesAsync("student", "author");
        var learner = await SignIn.PhoneAsync();
        var course = await CourseWithOneMaterialAsync(author);
        using (var enrolled = await Api.SendAsync(learner, HttpMethod.Post, $"api/content/courses/{course.Id}/enrolment"))
        {
            await Api.ExpectAsync(enrolled, HttpStatusCode.Created);
        }
        using (var done = await Api.SendAsync(learner, HttpMethod.Post, $"api/content/materials/{course.Material}/complete"))
        {
            await Api.ExpectAsync(done, HttpStatusCode.OK);
        }
        var chat = await ChatApi.CreateGroupAsync(learner);
        await ChatApi.PostAsync(learner, chat, "one", "analytics-1");
        await ChatApi.PostAsync(learner, chat, "two", "analytics-2");
        var user = Guid.Parse(learner.UserId);
        await WaitForFactsAsync(user, course.Id);

        // A fact no owner knows of: a rebuild must not keep it.
        var stray = Guid.NewGuid();
        await ExecuteAsync($"INSERT INTO users (user_id, roles, status) VALUES ('{stray}', ARRAY[]::text[], 'active')");

        using (var refused = await Api.SendAsync(learner, HttpMethod.Post, "api/analytics/admin/rebuild"))
        {
            await Api.ExpectCodeAsync(refused, HttpStatusCode.Forbidden, "admin_required");
        }
        using (var accepted = await Api.SendAsync(await SignIn.AdminAsync(), HttpMethod.Post, "api/analytics/admin/rebuild"))
        {
            await Api.ExpectAsync(accepted, HttpStatusCode.Accepted);
        }

        await WaitForFactsAsync(user, course.Id);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM users WHERE user_id = '{stray}'"));
    }

    /// <summary>
    /// Until the learner (registered, signed in), the published course, their completed enrolment and their two chat
    /// messages (of the day, UTC) are facts.
    /// </summary>
    private static Task WaitForFactsAsync(Guid user, Guid course) => Wait.UntilAsync(async () =>
        await ScalarAsync($"""
            SELECT count(*) FROM users u, courses c, enrolments e
            WHERE u.user_id = '{user}' AND u.registered_at IS NOT NULL AND u.last_sign_in_at IS NOT NULL
              AND c.course_id = '{course}' AND c.state = 'published'
              AND e.course_id = c.course_id AND e.user_id = u.user_id AND e.source = 'self'
              AND e.done_materials = 1 AND e.total_materials = 1 AND e.completed_at IS NOT NULL
              AND (SELECT sum(messages) FROM activity_daily a WHERE a.user_id = u.user_id) = 2
            """) == 1L, seconds: 60);

    private static async Task<(Guid Id, Guid Material)> CourseWithOneMaterialAsync(SignIn.Session author)
    {
        Guid course, section, material;
        using (var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/courses", new { title = "E2E analytics " + Guid.NewGuid().ToString("N")[..8] }))
        {
            course = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        using (var created = await Api.SendAsync(author, HttpMethod.Post, $"api/content/courses/{course}/sections", new { title = "Week 1" }))
        {
            section = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        using (var created = await Api.SendAsync(author, HttpMethod.Post, $"api/content/sections/{section}/materials", new { kind = "text", title = "Read", body = "Text" }))
        {
            material = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        using (var published = await Api.SendAsync(author, HttpMethod.Post, $"api/content/courses/{course}/publish"))
        {
            await Api.ExpectAsync(published, HttpStatusCode.OK);
        }
        return (course, material);
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var db = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("campus_analytics"));
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var db = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("campus_analytics"));
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, db);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
