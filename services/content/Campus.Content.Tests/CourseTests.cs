using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Tests;

public sealed class CourseTests(ContentFactory factory) : IClassFixture<ContentFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_student_cannot_create_courses_and_does_not_see_drafts()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var student = factory.ClientFor(Guid.NewGuid());
        var draft = await author.CreateCourseAsync("Draft course");

        using (var create = await student.PostAsJsonAsync("/api/content/courses", new { title = "Mine" }, Ct))
        {
            await AssertProblemAsync(create, HttpStatusCode.Forbidden, "forbidden");
        }
        using (var read = await student.GetAsync($"/api/content/courses/{draft}", Ct))
        {
            await AssertProblemAsync(read, HttpStatusCode.NotFound, "course_not_found");
        }
        var list = await student.GetFromJsonAsync<JsonElement>("/api/content/courses?limit=100", Ct);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetGuid() == draft);

        await author.PublishAsync(draft);
        var course = await student.GetFromJsonAsync<JsonElement>($"/api/content/courses/{draft}", Ct);
        Assert.Equal("published", course.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Another_authors_course_is_404_to_an_author_and_an_admin_manages_every_course()
    {
        using var owner = factory.ClientFor(Guid.NewGuid(), "author");
        using var other = factory.ClientFor(Guid.NewGuid(), "author");
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        var course = await owner.CreateCourseAsync("Owner's course");

        using (var read = await other.GetAsync($"/api/content/courses/{course}", Ct))
        {
            await AssertProblemAsync(read, HttpStatusCode.NotFound, "course_not_found");
        }
        using (var put = await other.PutAsJsonAsync($"/api/content/courses/{course}", new { title = "Taken" }, Ct))
        {
            await AssertProblemAsync(put, HttpStatusCode.NotFound, "course_not_found");
        }
        using (var section = await other.PostAsJsonAsync($"/api/content/courses/{course}/sections", new { title = "x" }, Ct))
        {
            await AssertProblemAsync(section, HttpStatusCode.NotFound, "course_not_found");
        }
        using (var delete = await other.DeleteAsync($"/api/content/courses/{course}", Ct))
        {
            await AssertProblemAsync(delete, HttpStatusCode.NotFound, "course_not_found");
        }

        using (var put = await admin.PutAsJsonAsync($"/api/content/courses/{course}", new { title = "Renamed by admin", description = "d" }, Ct))
        {
            Assert.Equal("Renamed by admin", (await put.ExpectAsync(HttpStatusCode.OK)).GetProperty("title").GetString());
        }
        using (var delete = await admin.DeleteAsync($"/api/content/courses/{course}", Ct))
        {
            await delete.ExpectAsync(HttpStatusCode.NoContent);
        }
        using var gone = await owner.GetAsync($"/api/content/courses/{course}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Invalid_course_fields_are_field_errors()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var response = await author.PostAsJsonAsync("/api/content/courses",
            new { title = " ", description = new string('d', 5001), cover_document_id = Guid.NewGuid() }, Ct);
        var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal(["cover_document_id", "description", "title"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
    }

    [Fact]
    public async Task Publishing_writes_one_course_published_event_and_a_repeat_writes_none()
    {
        var authorId = Guid.NewGuid();
        using var author = factory.ClientFor(authorId, "author");
        var course = await author.CreateCourseAsync("Evented");

        await author.PublishAsync(course);
        await author.PublishAsync(course);

        var events = await factory.QueryAsync(db => db.Database
            .SqlQuery<string>($"SELECT payload::text AS \"Value\" FROM outbox_messages WHERE routing_key = 'content.course.published' AND payload->>'course_id' = {course.ToString()}")
            .ToListAsync(Ct));
        var payload = JsonDocument.Parse(Assert.Single(events)).RootElement;
        Assert.Equal(("Evented", authorId), (payload.GetProperty("title").GetString(), payload.GetProperty("author_id").GetGuid()));

        // Archived: students lose it, the author keeps it; publishing again is a new publication.
        using var archive = await author.PostAsync($"/api/content/courses/{course}/archive", null, Ct);
        Assert.Equal("archived", (await archive.ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
        using var student = factory.ClientFor(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await student.GetAsync($"/api/content/courses/{course}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Creating_and_deleting_a_course_write_events_with_its_author()
    {
        var authorId = Guid.NewGuid();
        using var author = factory.ClientFor(authorId, "author");
        var course = await author.CreateCourseAsync("Announced to chat");

        async Task<JsonElement> SingleEventAsync(string routingKey)
        {
            var events = await factory.QueryAsync(db => db.Database
                .SqlQuery<string>($"SELECT payload::text AS \"Value\" FROM outbox_messages WHERE routing_key = {routingKey} AND payload->>'course_id' = {course.ToString()}")
                .ToListAsync(Ct));
            return JsonDocument.Parse(Assert.Single(events)).RootElement;
        }

        var created = await SingleEventAsync("content.course.created");
        Assert.Equal(("Announced to chat", authorId), (created.GetProperty("title").GetString(), created.GetProperty("author_id").GetGuid()));

        // Another author's delete is a 404 and writes nothing; the author's own writes the event once.
        using var other = factory.ClientFor(Guid.NewGuid(), "author");
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/content/courses/{course}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await author.DeleteAsync($"/api/content/courses/{course}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await author.DeleteAsync($"/api/content/courses/{course}", Ct)).StatusCode);
        Assert.Equal(authorId, (await SingleEventAsync("content.course.deleted")).GetProperty("author_id").GetGuid());
    }

    [Fact]
    public async Task Lists_are_paged_newest_first_and_searched_in_title_and_description()
    {
        var authorId = Guid.NewGuid();
        using var author = factory.ClientFor(authorId, "author");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = await author.CreateCourseAsync($"Kotlin {tag} basics");
        var second = await author.CreateCourseAsync("Databases", $"with {tag} inside");
        var third = await author.CreateCourseAsync($"{tag} 100%_literal");
        await author.CreateCourseAsync("Unrelated");

        var page = await author.GetFromJsonAsync<JsonElement>($"/api/content/courses?search={tag}&limit=2", Ct);
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal([third, second], page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
        var next = await author.GetFromJsonAsync<JsonElement>($"/api/content/courses?search={tag}&limit=2&offset=2", Ct);
        Assert.Equal([first], next.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));

        // LIKE wildcards in the search are literal.
        var literal = await author.GetFromJsonAsync<JsonElement>($"/api/content/courses?search={Uri.EscapeDataString("0%_l")}&mine=true", Ct);
        Assert.Equal([third], literal.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));

        var drafts = await author.GetFromJsonAsync<JsonElement>("/api/content/courses?mine=true&status=draft&limit=100", Ct);
        Assert.Equal(4, drafts.GetProperty("total").GetInt32());

        using var bad = await author.GetAsync("/api/content/courses?limit=101", Ct);
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "invalid_page");
        using var unknownStatus = await author.GetAsync("/api/content/courses?status=lost", Ct);
        await AssertFieldErrorAsync(unknownStatus, "invalid_status", "status");
    }

    [Fact]
    public async Task The_location_of_a_created_section_is_a_get_students_see_once_the_course_is_published()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var course = await author.CreateCourseAsync("Located");
        using var created = await author.PostAsJsonAsync($"/api/content/courses/{course}/sections", new { title = "First" }, Ct);
        await created.ExpectAsync(HttpStatusCode.Created);
        var section = created.Headers.Location!;
        var sectionId = Guid.Parse(section.OriginalString.Split('/')[^1]);
        await author.CreateMaterialAsync(sectionId, new { kind = "text", title = "Shown", body = "Hello", published = true });
        await author.CreateMaterialAsync(sectionId, new { kind = "text", title = "Hidden", body = "Draft", published = false });

        using (var own = await author.GetAsync(section, Ct))
        {
            var body = await own.ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(("First", course), (body.GetProperty("title").GetString(), body.GetProperty("course_id").GetGuid()));
            Assert.Equal(2, body.GetProperty("materials").GetArrayLength());
        }
        using var student = factory.ClientFor(Guid.NewGuid());
        using (var draft = await student.GetAsync(section, Ct))
        {
            await AssertProblemAsync(draft, HttpStatusCode.NotFound, "section_not_found");
        }
        await author.PublishAsync(course);
        using var published = await student.GetAsync(section, Ct);
        var visible = await published.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["Shown"], visible.GetProperty("materials").EnumerateArray().Select(m => m.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task Sections_and_materials_are_reordered_by_a_full_permutation()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var course = await author.CreateCourseAsync("Ordered");
        var a = await author.CreateSectionAsync(course, "A");
        var b = await author.CreateSectionAsync(course, "B");
        var c = await author.CreateSectionAsync(course, "C");

        using (var reorder = await author.PutAsJsonAsync($"/api/content/courses/{course}/sections/order", new { ids = new[] { c, a, b } }, Ct))
        {
            var detail = await reorder.ExpectAsync(HttpStatusCode.OK);
            Assert.Equal([c, a, b], detail.GetProperty("sections").EnumerateArray().Select(s => s.GetProperty("id").GetGuid()));
            Assert.Equal([0, 1, 2], detail.GetProperty("sections").EnumerateArray().Select(s => s.GetProperty("position").GetInt32()));
        }
        foreach (var ids in new[] { new[] { c, a }, [c, a, a], [c, a, Guid.NewGuid()] })
        {
            using var wrong = await author.PutAsJsonAsync($"/api/content/courses/{course}/sections/order", new { ids }, Ct);
            await AssertFieldErrorAsync(wrong, "invalid_order", "ids");
        }

        var text = await author.CreateMaterialAsync(a, new { kind = "text", title = "Intro", body = "Hello" });
        var link = await author.CreateMaterialAsync(a, new { kind = "link", title = "Docs", url = "https://learn.microsoft.com" });
        using (var reorder = await author.PutAsJsonAsync($"/api/content/sections/{a}/materials/order", new { ids = new[] { link, text } }, Ct))
        {
            var section = await reorder.ExpectAsync(HttpStatusCode.OK);
            Assert.Equal([link, text], section.GetProperty("materials").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()));
        }

        // Deleting the first section moves the others up.
        using (var delete = await author.DeleteAsync($"/api/content/sections/{c}", Ct))
        {
            await delete.ExpectAsync(HttpStatusCode.NoContent);
        }
        var after = await author.GetFromJsonAsync<JsonElement>($"/api/content/courses/{course}", Ct);
        Assert.Equal([(a, 0), (b, 1)], after.GetProperty("sections").EnumerateArray().Select(s => (s.GetProperty("id").GetGuid(), s.GetProperty("position").GetInt32())));
    }

    [Fact]
    public async Task Materials_are_validated_by_kind()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var section = await author.CreateSectionAsync(await author.CreateCourseAsync("Kinds"), "S");

        async Task<string[]> ErrorsAsync(object material)
        {
            using var response = await author.PostAsJsonAsync($"/api/content/sections/{section}/materials", material, Ct);
            var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
            return [.. problem.GetProperty("errors").EnumerateObject().Select(e => e.Name)];
        }

        Assert.Equal(["media_id"], await ErrorsAsync(new { kind = "video", title = "V", media_id = Guid.NewGuid() }));
        Assert.Equal(["document_id"], await ErrorsAsync(new { kind = "document", title = "D" }));
        Assert.Equal(["body"], await ErrorsAsync(new { kind = "text", title = "T" }));
        Assert.Equal(["url"], await ErrorsAsync(new { kind = "link", title = "L", url = "javascript:alert(1)" }));
        Assert.Equal(["kind", "title"], (await ErrorsAsync(new { title = "" })).Order());
        // The bounds hold whatever the kind: a link's body past its bound is refused, not silently dropped.
        Assert.Equal(["body"], await ErrorsAsync(new { kind = "link", title = "L", url = "https://example.com", body = new string('b', 100_001) }));
        Assert.Equal(["title"], await ErrorsAsync(new { kind = "text", title = "T" + new string(' ', 200), body = "b" }));
    }

    [Fact]
    public async Task Lists_and_orders_past_their_contract_bounds_are_refused_with_field_errors()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using (var search = await author.GetAsync($"/api/content/courses?search={new string('s', 201)}", Ct))
        {
            await AssertFieldErrorAsync(search, "validation_failed", "search");
        }
        var course = await author.CreateCourseAsync("Bounded order");
        using var order = await author.PutAsJsonAsync($"/api/content/courses/{course}/sections/order",
            new { ids = Enumerable.Range(0, Campus.Content.Courses.OrderRequest.MaxIds + 1).Select(_ => Guid.NewGuid()) }, Ct);
        await AssertFieldErrorAsync(order, "invalid_order", "ids");
    }

    [Fact]
    public async Task Students_see_only_published_materials_of_published_courses()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var student = factory.ClientFor(Guid.NewGuid());
        var course = await author.CreateCourseAsync("Partly hidden");
        var section = await author.CreateSectionAsync(course, "S");
        var shown = await author.CreateMaterialAsync(section, new { kind = "text", title = "Shown", body = "b" });
        var hidden = await author.CreateMaterialAsync(section, new { kind = "text", title = "Hidden", body = "b", published = false });

        Assert.Equal(HttpStatusCode.NotFound, (await student.GetAsync($"/api/content/materials/{shown}", Ct)).StatusCode);
        await author.PublishAsync(course);

        var detail = await student.GetFromJsonAsync<JsonElement>($"/api/content/courses/{course}", Ct);
        var materials = detail.GetProperty("sections")[0].GetProperty("materials").EnumerateArray().Select(m => m.GetProperty("id").GetGuid());
        Assert.Equal([shown], materials);
        Assert.Equal(HttpStatusCode.OK, (await student.GetAsync($"/api/content/materials/{shown}", Ct)).StatusCode);
        using var hiddenRead = await student.GetAsync($"/api/content/materials/{hidden}", Ct);
        await AssertProblemAsync(hiddenRead, HttpStatusCode.NotFound, "material_not_found");

        var authorView = await author.GetFromJsonAsync<JsonElement>($"/api/content/courses/{course}", Ct);
        Assert.Equal(2, authorView.GetProperty("sections")[0].GetProperty("materials").GetArrayLength());
    }

    [Fact]
    public async Task Anonymous_callers_get_401()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/content/courses", Ct)).StatusCode);
    }
}
