using System.Net.Http.Json;
using System.Text.Json;
using Campus.Content.Courses;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Campus.Content.Tests;

/// <summary>
/// The catalogue page from memory: kept between reads, emptied by any change to the courses (whoever made it, seen
/// through PostgreSQL's notification), and not used while the service is not listening for changes. A change made
/// with the notification trigger switched off stands for one the cache did not hear about: still seeing the old title
/// proves the page came from memory.
/// </summary>
public sealed class CourseListCacheTests(ContentFactory factory) : IClassFixture<ContentFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CourseListCache Cache => factory.Services.GetRequiredService<CourseListCache>();

    [Fact]
    public async Task The_page_is_kept_until_a_change_to_the_courses_is_announced_by_any_writer()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var student = factory.ClientFor(Guid.NewGuid());
        var course = await author.CreateCourseAsync("Kept 1");
        await author.PublishAsync(course);
        await Wait.UntilAsync(() => Cache.Enabled);

        Assert.Equal("Kept 1", await TitleInListAsync(student, course));
        await UnannouncedAsync(() => SqlAsync($"UPDATE courses SET title = 'Kept 2' WHERE id = '{course}'"));
        Assert.Equal("Kept 1", await TitleInListAsync(student, course));

        // Another replica (or any SQL) changing a course: the trigger's notification empties this replica's pages.
        await SqlAsync($"UPDATE courses SET title = 'Kept 3' WHERE id = '{course}'");
        await Wait.UntilAsync(async () => await TitleInListAsync(student, course) == "Kept 3");

        // A change saved through this replica empties its pages at once, before any notification could arrive.
        await UnannouncedAsync(async () =>
        {
            using var put = await author.PutAsJsonAsync($"/api/content/courses/{course}", new { title = "Kept 4" }, Ct);
            await put.ExpectAsync(System.Net.HttpStatusCode.OK);
        });
        Assert.Equal("Kept 4", await TitleInListAsync(student, course));
    }

    [Fact]
    public async Task An_author_sees_their_own_draft_while_everyone_else_reads_the_kept_page()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var student = factory.ClientFor(Guid.NewGuid());
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");
        await Wait.UntilAsync(() => Cache.Enabled);
        await TitleInListAsync(student, Guid.Empty);
        await TitleInListAsync(admin, Guid.Empty);

        var draft = await author.CreateCourseAsync("Draft beside the kept page");

        Assert.Equal("Draft beside the kept page", await TitleInListAsync(author, draft));
        Assert.Equal("Draft beside the kept page", await TitleInListAsync(admin, draft));
        Assert.Null(await TitleInListAsync(student, draft));
    }

    [Fact]
    public async Task While_the_service_is_not_listening_for_changes_the_list_is_read_from_the_database()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var student = factory.ClientFor(Guid.NewGuid());
        var course = await author.CreateCourseAsync("Unheard 1");
        await author.PublishAsync(course);
        await Wait.UntilAsync(() => Cache.Enabled);
        Assert.Equal("Unheard 1", await TitleInListAsync(student, course));

        // The listening session ends (a database restart, a dropped connection): nothing is kept until it is back.
        await SqlAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN {CourseListCache.Channel}'");
        await Wait.UntilAsync(() => !Cache.Enabled);
        await UnannouncedAsync(() => SqlAsync($"UPDATE courses SET title = 'Unheard 2' WHERE id = '{course}'"));
        Assert.Equal("Unheard 2", await TitleInListAsync(student, course));

        await Wait.UntilAsync(() => Cache.Enabled); // listening again, with nothing kept from before
        await UnannouncedAsync(() => SqlAsync($"UPDATE courses SET title = 'Unheard 3' WHERE id = '{course}'"));
        Assert.Equal("Unheard 3", await TitleInListAsync(student, course));
    }

    /// <summary>The title of <paramref name="course"/> on the caller's plain list (the first 100), null when it is not there.</summary>
    private static async Task<string?> TitleInListAsync(HttpClient client, Guid course)
    {
        var page = await client.GetFromJsonAsync<JsonElement>("/api/content/courses?limit=100", Ct);
        return page.GetProperty("items").EnumerateArray().Where(c => c.GetProperty("id").GetGuid() == course)
            .Select(c => c.GetProperty("title").GetString()).FirstOrDefault();
    }

    /// <summary>Runs <paramref name="change"/> with the trigger that announces course changes switched off.</summary>
    private async Task UnannouncedAsync(Func<Task> change)
    {
        await SqlAsync("ALTER TABLE courses DISABLE TRIGGER courses_notify_content_catalog");
        try
        {
            await change();
        }
        finally
        {
            await SqlAsync("ALTER TABLE courses ENABLE TRIGGER courses_notify_content_catalog");
        }
    }

    private async Task SqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
