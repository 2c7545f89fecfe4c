using System.Net;

namespace Campus.E2E.Tests;

/// <summary>
/// Course rules through the edge on the running platform: a student cannot create courses (403) and does
/// not see a draft (404); an author (made one by an admin through auth's admin API) creates and publishes a course,
/// and then the student sees it with its content.
/// </summary>
public sealed class ContentCourseTests
{
    [Fact]
    public async Task A_student_cannot_create_or_see_a_draft_and_sees_the_course_once_the_author_publishes_it()
    {
        var student = await SignIn.PhoneAsync();
        var author = await SignIn.WithRolesAsync("student", "author");
        var title = "E2E course " + Guid.NewGuid().ToString("N")[..8];

        using (var refused = await Api.SendAsync(student, HttpMethod.Post, "api/content/courses", new { title }))
        {
            await Api.ExpectCodeAsync(refused, HttpStatusCode.Forbidden, "forbidden");
        }

        Guid course;
        using (var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/courses", new { title, description = "Through the edge" }))
        {
            course = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        Guid section;
        using (var created = await Api.SendAsync(author, HttpMethod.Post, $"api/content/courses/{course}/sections", new { title = "Week 1" }))
        {
            section = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        using (var created = await Api.SendAsync(author, HttpMethod.Post, $"api/content/sections/{section}/materials", new { kind = "text", title = "Welcome", body = "Hello" }))
        {
            await Api.ExpectAsync(created, HttpStatusCode.Created);
        }

        using (var draft = await Api.SendAsync(student, HttpMethod.Get, $"api/content/courses/{course}"))
        {
            await Api.ExpectCodeAsync(draft, HttpStatusCode.NotFound, "course_not_found");
        }

        using (var published = await Api.SendAsync(author, HttpMethod.Post, $"api/content/courses/{course}/publish"))
        {
            Assert.Equal("published", (await Api.ExpectAsync(published, HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        using (var read = await Api.SendAsync(student, HttpMethod.Get, $"api/content/courses/{course}"))
        {
            var body = await Api.ExpectAsync(read, HttpStatusCode.OK);
            var seenSection = Assert.Single(body.GetProperty("sections").EnumerateArray());
            Assert.Equal("Welcome", Assert.Single(seenSection.GetProperty("materials").EnumerateArray()).GetProperty("title").GetString());
        }
        using var list = await Api.SendAsync(student, HttpMethod.Get, $"api/content/courses?search={Uri.EscapeDataString(title)}");
        var page = await Api.ExpectAsync(list, HttpStatusCode.OK);
        Assert.Equal(course, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
    }
}
