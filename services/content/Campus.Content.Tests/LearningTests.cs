using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Content.Learning;
using Campus.Messaging;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Content.Tests;

/// <summary>Enrolments, assignments, progress and their events, on the real database and broker, on a clock the test moves.</summary>
public sealed class LearningTests(FakeClockContentFactory factory) : IClassFixture<FakeClockContentFactory>, IAsyncLifetime
{
    // The host declares its exchange and queues when it starts: before a test publishes profile events or binds a probe.
    public async ValueTask InitializeAsync() => await factory.WaitUntilReadyAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan EventWait = TimeSpan.FromSeconds(10);

    private HttpClient As(Guid userId, string roles = "student")
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", factory.Jwt.CreateToken(userId, roles, lifetime: TimeSpan.FromDays(60)));
        return client;
    }

    /// <summary>Publishes profile's event as profile would and waits until content stored it.</summary>
    private async Task ProfileAsync(Guid userId, string? department, string? timeZone = "Europe/Moscow", DateTimeOffset? occurredAt = null, Guid? eventId = null)
    {
        var id = eventId ?? Guid.CreateVersion7();
        var at = occurredAt ?? factory.Time.GetUtcNow();
        await factory.PublishAsync("profile.profile.updated", new
        {
            id, type = "profile.profile.updated", occurred_at = at, user_id = userId, changed_fields = Array.Empty<string>(),
            changed_by = userId, department, time_zone = timeZone,
        }, id.ToString());
        await Wait.UntilAsync(() => factory.QueryAsync(db => db.Learners.AnyAsync(l => l.UserId == userId && l.EventOccurredAt >= at, Ct)));
    }

    /// <summary>A published course with one section and the given materials; returns the course and material ids.</summary>
    private async Task<(Guid Course, Guid Section, Guid[] Materials)> CourseAsync(params object[] materials)
    {
        using var author = As(Guid.NewGuid(), "author");
        var course = await author.CreateCourseAsync("Safety basics " + Guid.NewGuid().ToString("N")[..6]);
        var section = await author.CreateSectionAsync(course, "Part 1");
        var ids = new List<Guid>();
        foreach (var material in materials)
        {
            ids.Add(await author.CreateMaterialAsync(section, material));
        }
        await author.PublishAsync(course);
        return (course, section, [.. ids]);
    }

    private async Task<(Guid Course, Guid Material, Guid Author)> VideoCourseAsync(double duration)
    {
        var authorId = Guid.NewGuid();
        using var author = As(authorId, "author");
        var media = await author.UploadVideoAsync(ContentClient.Mp4());
        await factory.QueryAsync(db => db.MediaFiles.Where(m => m.Id == media)
            .ExecuteUpdateAsync(set => set.SetProperty(m => m.DurationSeconds, duration), Ct));
        var course = await author.CreateCourseAsync("Video course");
        var section = await author.CreateSectionAsync(course, "Videos");
        var material = await author.CreateMaterialAsync(section, new { kind = "video", title = "Lecture", media_id = media });
        await author.PublishAsync(course);
        return (course, material, authorId);
    }

    private static object Text(string title = "Read me") => new { kind = "text", title, body = "Body" };

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object? body, HttpStatusCode status)
    {
        using var response = body is null ? await client.PostAsync(path, null, Ct) : await client.PostAsJsonAsync(path, body, Ct);
        return await response.ExpectAsync(status);
    }

    private static Task<JsonElement> HeartbeatAsync(HttpClient client, Guid material, double position, double duration = 600) =>
        PostAsync(client, $"/api/content/materials/{material}/progress", new { position = position, duration = duration }, HttpStatusCode.OK);

    [Fact]
    public async Task A_student_enrols_in_a_published_course_leaves_it_and_cannot_leave_an_assigned_one()
    {
        await using var created = await BrokerProbe.BindAsync(factory.Broker, "content.enrolment.created");
        var (course, _, _) = await CourseAsync(Text());
        var studentId = Guid.NewGuid();
        using var student = As(studentId);

        var enrolment = await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);
        Assert.Equal("not_started", enrolment.GetProperty("state").GetString());
        Assert.Equal("self", enrolment.GetProperty("source").GetString());
        Assert.Equal(0, enrolment.GetProperty("progress_percent").GetInt32());
        await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.OK); // idempotent

        var message = await created.TakeAsync(m => m.GetProperty("user_id").GetGuid() == studentId, EventWait);
        Assert.NotNull(message);
        Assert.Equal("self", message.Value.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, message.Value.GetProperty("due_at").ValueKind);
        Assert.Empty(await created.CollectAsync(m => m.GetProperty("user_id").GetGuid() == studentId, TimeSpan.FromSeconds(1)));

        using (var leave = await student.DeleteAsync($"/api/content/courses/{course}/enrolment", Ct))
        {
            await leave.ExpectAsync(HttpStatusCode.NoContent);
        }
        using (var again = await student.DeleteAsync($"/api/content/courses/{course}/enrolment", Ct))
        {
            await AssertProblemAsync(again, HttpStatusCode.NotFound, "not_enrolled");
        }

        await ProfileAsync(studentId, "Sales");
        using var admin = As(Guid.NewGuid(), "admin");
        await PostAsync(admin, $"/api/content/courses/{course}/assignments", new { user_ids = new[] { studentId } }, HttpStatusCode.OK);
        using (var leave = await student.DeleteAsync($"/api/content/courses/{course}/enrolment", Ct))
        {
            await AssertProblemAsync(leave, HttpStatusCode.Conflict, "assigned_enrolment");
        }

        using var authorOfDraft = As(Guid.NewGuid(), "author");
        var draft = await authorOfDraft.CreateCourseAsync("Draft");
        using (var enrol = await student.PostAsync($"/api/content/courses/{draft}/enrolment", null, Ct))
        {
            await AssertProblemAsync(enrol, HttpStatusCode.NotFound, "course_not_found");
        }
        using (var enrol = await authorOfDraft.PostAsync($"/api/content/courses/{draft}/enrolment", null, Ct))
        {
            await AssertProblemAsync(enrol, HttpStatusCode.Conflict, "course_not_published");
        }
    }

    [Fact]
    public async Task Profile_events_keep_the_newest_department_and_department_assignments_cover_later_joiners()
    {
        await using var created = await BrokerProbe.BindAsync(factory.Broker, "content.enrolment.created");
        var (course, _, _) = await CourseAsync(Text());
        var managerId = Guid.NewGuid();
        await ProfileAsync(managerId, "Logistics");
        using var manager = As(managerId, "manager");
        var result = await PostAsync(manager, $"/api/content/courses/{course}/assignments",
            new { department = "Logistics", due_in_days = 7 }, HttpStatusCode.OK);
        Assert.Equal(1, result.GetProperty("created").GetInt32()); // the manager is a member too

        var joiner = Guid.NewGuid();
        var t0 = factory.Time.GetUtcNow();
        var consumed = factory.Services.GetRequiredService<ConsumerProgress>();
        var settled = consumed.Settled("content.profile-events");
        await ProfileAsync(joiner, "Logistics", "Asia/Tokyo", t0);
        // An older event arriving late changes nothing.
        await factory.PublishAsync("profile.profile.updated", new
        {
            id = Guid.CreateVersion7(), occurred_at = t0.AddMinutes(-5), user_id = joiner, changed_fields = new[] { "department" },
            changed_by = joiner, department = "Finance", time_zone = "UTC",
        });

        var message = await created.TakeAsync(m => m.GetProperty("user_id").GetGuid() == joiner, EventWait);
        Assert.NotNull(message);
        Assert.Equal("assigned", message.Value.GetProperty("source").GetString());
        var due = message.Value.GetProperty("due_at").GetDateTimeOffset();
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var expectedDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t0, tokyo).DateTime).AddDays(7);
        Assert.Equal(Enrolling.EndOfDay(expectedDay, tokyo), due);

        await Wait.UntilAsync(() => consumed.Settled("content.profile-events") >= settled + 2); // the late event is consumed
        var learner = await factory.QueryAsync(db => db.Learners.SingleAsync(l => l.UserId == joiner, Ct));
        Assert.Equal("Logistics", learner.Department);
        Assert.Equal("Asia/Tokyo", learner.TimeZone);

        using var joinerClient = As(joiner);
        var learning = await joinerClient.GetFromJsonAsync<JsonElement>("/api/content/me/learning", Ct);
        var item = Assert.Single(learning.GetProperty("items").EnumerateArray());
        Assert.Equal(TimeSpan.FromHours(9), item.GetProperty("due_at").GetDateTimeOffset().Offset); // answered in the learner's zone
        Assert.EndsWith("+09:00", item.GetProperty("due_at").GetString());

        // Leaving the department keeps the enrolment (and any progress).
        await ProfileAsync(joiner, "Finance", "Asia/Tokyo", t0.AddMinutes(1));
        Assert.True(await factory.QueryAsync(db => db.Enrolments.AnyAsync(e => e.UserId == joiner && e.CourseId == course, Ct)));
    }

    [Fact]
    public async Task Assignments_check_roles_departments_users_and_due_dates_and_are_idempotent()
    {
        await using var changes = await BrokerProbe.BindAsync(factory.Broker, "content.enrolment.*");
        var (course, _, materials) = await CourseAsync(Text());
        var managerId = Guid.NewGuid();
        var inside = Guid.NewGuid();
        var outside = Guid.NewGuid();
        await ProfileAsync(managerId, "Support");
        await ProfileAsync(inside, "Support", "America/New_York");
        await ProfileAsync(outside, "Marketing");
        using var manager = As(managerId, "manager");
        using var lonelyManager = As(Guid.NewGuid(), "manager");
        using var student = As(inside);
        var path = $"/api/content/courses/{course}/assignments";

        using (var r = await student.PostAsJsonAsync(path, new { user_ids = new[] { inside } }, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.Forbidden, "forbidden");
        }
        using (var r = await lonelyManager.PostAsJsonAsync(path, new { user_ids = new[] { inside } }, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.Forbidden, "no_department");
        }
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = new[] { inside, outside } }, Ct))
        {
            var problem = await r.ExpectAsync(HttpStatusCode.Forbidden);
            Assert.Equal("outside_department", problem.GetProperty("code").GetString());
            Assert.Equal([outside], problem.GetProperty("user_ids").EnumerateArray().Select(e => e.GetGuid()));
        }
        using (var r = await manager.PostAsJsonAsync(path, new { department = "Marketing" }, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.Forbidden, "outside_department");
        }
        var stranger = Guid.NewGuid();
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = new[] { stranger } }, Ct))
        {
            var problem = await r.ExpectAsync(HttpStatusCode.UnprocessableEntity);
            Assert.Equal("unknown_users", problem.GetProperty("code").GetString());
            Assert.Equal([stranger], problem.GetProperty("user_ids").EnumerateArray().Select(e => e.GetGuid()));
        }
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = new[] { inside }, due_at = "2020-01-01" }, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.UnprocessableEntity, "due_in_past");
        }
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = new[] { inside }, due_at = "next week" }, Ct))
        {
            await AssertFieldErrorAsync(r, "invalid_due_at", "due_at");
        }
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = new[] { inside }, due_in_days = 0 }, Ct))
        {
            await AssertFieldErrorAsync(r, "invalid_due_at", "due_in_days");
        }
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = Enumerable.Range(0, 1001).Select(_ => Guid.NewGuid()) }, Ct))
        {
            await AssertFieldErrorAsync(r, "too_many_users", "user_ids");
        }
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = new[] { inside }, department = "Support" }, Ct))
        {
            var problem = await AssertFieldErrorAsync(r, "invalid_assignment", "user_ids");
            Assert.True(problem.GetProperty("errors").TryGetProperty("department", out _));
        }
        using (var r = await manager.PostAsJsonAsync(path, new { department = new string('d', 201) }, Ct))
        {
            await AssertFieldErrorAsync(r, "invalid_assignment", "department");
        }
        // The contract's bounds count what is sent: repeated ids, and a due_at's blanks.
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = Enumerable.Repeat(inside, AssignmentRequest.MaxUsers + 1) }, Ct))
        {
            await AssertFieldErrorAsync(r, "too_many_users", "user_ids");
        }
        using (var r = await manager.PostAsJsonAsync(path, new { user_ids = new[] { inside }, due_at = "2030-01-01" + new string(' ', 60) }, Ct))
        {
            await AssertFieldErrorAsync(r, "invalid_due_at", "due_at");
        }
        using (var r = await manager.DeleteAsync($"{path}/departments/{new string('d', 201)}", Ct))
        {
            await AssertFieldErrorAsync(r, "validation_failed", "department");
        }

        var day = DateOnly.FromDateTime(factory.Time.GetUtcNow().UtcDateTime).AddDays(20);
        var first = await PostAsync(manager, path, new { user_ids = new[] { inside }, due_at = day.ToString("yyyy-MM-dd") }, HttpStatusCode.OK);
        Assert.Equal(1, first.GetProperty("created").GetInt32());
        var again = await PostAsync(manager, path, new { user_ids = new[] { inside }, due_at = day.ToString("yyyy-MM-dd") }, HttpStatusCode.OK);
        Assert.Equal(1, again.GetProperty("unchanged").GetInt32());
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var enrolment = await factory.QueryAsync(db => db.Enrolments.SingleAsync(e => e.UserId == inside && e.CourseId == course, Ct));
        Assert.Equal(Enrolling.EndOfDay(day, newYork), enrolment.DueAt);

        var createdEvent = await changes.TakeAsync(m => m.GetProperty("user_id").GetGuid() == inside && m.GetProperty("type").GetString() == "content.enrolment.created", EventWait);
        Assert.Equal(managerId, createdEvent!.Value.GetProperty("assigned_by").GetGuid());

        var later = factory.Time.GetUtcNow().AddDays(30);
        var moved = await PostAsync(manager, path, new { user_ids = new[] { inside }, due_at = later.ToString("O") }, HttpStatusCode.OK);
        Assert.Equal(1, moved.GetProperty("due_changed").GetInt32());
        var dueChanged = await changes.TakeAsync(m => m.GetProperty("type").GetString() == "content.enrolment.due_changed", EventWait);
        Assert.Equal(later, dueChanged!.Value.GetProperty("due_at").GetDateTimeOffset());

        // Progress survives a withdrawal.
        await PostAsync(student, $"/api/content/materials/{materials[0]}/complete", null, HttpStatusCode.OK);
        using (var r = await manager.DeleteAsync($"/api/content/courses/{course}/assignments/users/{outside}", Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.Forbidden, "outside_department");
        }
        using (var r = await manager.DeleteAsync($"/api/content/courses/{course}/assignments/users/{inside}", Ct))
        {
            await r.ExpectAsync(HttpStatusCode.NoContent);
        }
        var withdrawn = await changes.TakeAsync(m => m.GetProperty("type").GetString() == "content.enrolment.withdrawn", EventWait);
        Assert.Equal(inside, withdrawn!.Value.GetProperty("user_id").GetGuid());
        Assert.False(await factory.QueryAsync(db => db.Enrolments.AnyAsync(e => e.UserId == inside && e.CourseId == course, Ct)));
        Assert.True(await factory.QueryAsync(db => db.MaterialProgress.AnyAsync(p => p.UserId == inside && p.CompletedAt != null, Ct)));
        var back = await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);
        Assert.Equal("completed", back.GetProperty("state").GetString());
        Assert.Equal(100, back.GetProperty("progress_percent").GetInt32());
    }

    [Fact]
    public async Task Marking_materials_done_completes_the_course_once_and_completed_at_stays_when_materials_are_added()
    {
        await using var completed = await BrokerProbe.BindAsync(factory.Broker, "content.*.completed");
        var (course, section, materials) = await CourseAsync(Text("One"), new { kind = "link", title = "Two", url = "https://example.org/" });
        var studentId = Guid.NewGuid();
        using var student = As(studentId);

        using (var r = await student.PostAsync($"/api/content/materials/{materials[0]}/complete", null, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.Conflict, "not_enrolled");
        }
        using (var r = await student.PostAsync($"/api/content/materials/{Guid.NewGuid()}/complete", null, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.NotFound, "material_not_found");
        }
        await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);
        await PostAsync(student, $"/api/content/materials/{materials[0]}/complete", null, HttpStatusCode.OK);
        await PostAsync(student, $"/api/content/materials/{materials[0]}/complete", null, HttpStatusCode.OK);
        var half = await student.GetFromJsonAsync<JsonElement>($"/api/content/courses/{course}/progress", Ct);
        Assert.Equal(("in_progress", 50, 1, 2), (half.GetProperty("state").GetString(), half.GetProperty("progress_percent").GetInt32(),
            half.GetProperty("done_materials").GetInt32(), half.GetProperty("total_materials").GetInt32()));

        // The last two completes race: the course is completed once.
        var last = Enumerable.Range(0, 8).Select(_ => PostAsync(student, $"/api/content/materials/{materials[1]}/complete", null, HttpStatusCode.OK));
        await Task.WhenAll(last);

        var events = await completed.CollectAsync(m => m.GetProperty("user_id").GetGuid() == studentId, TimeSpan.FromSeconds(3));
        Assert.Equal(2, events.Count(e => e.GetProperty("type").GetString() == "content.material.completed"));
        var courseCompleted = Assert.Single(events, e => e.GetProperty("type").GetString() == "content.course.completed");
        Assert.Equal(course, courseCompleted.GetProperty("course_id").GetGuid());

        var done = await student.GetFromJsonAsync<JsonElement>($"/api/content/courses/{course}/progress", Ct);
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal(100, done.GetProperty("progress_percent").GetInt32());
        var completedAt = done.GetProperty("completed_at").GetDateTimeOffset();

        using var admin = As(Guid.NewGuid(), "admin");
        await admin.CreateMaterialAsync(section, Text("Three"));
        factory.Time.Advance(TimeSpan.FromMinutes(1));
        var after = await student.GetFromJsonAsync<JsonElement>($"/api/content/courses/{course}/progress", Ct);
        Assert.Equal("completed", after.GetProperty("state").GetString());
        Assert.Equal(completedAt, after.GetProperty("completed_at").GetDateTimeOffset());
        Assert.Equal(66, after.GetProperty("progress_percent").GetInt32());
        Assert.Equal(3, after.GetProperty("materials").GetArrayLength());
    }

    [Fact]
    public async Task Concurrent_completion_of_the_last_two_materials_completes_the_course_once()
    {
        await using var completed = await BrokerProbe.BindAsync(factory.Broker, "content.course.completed");
        var (course, _, materials) = await CourseAsync(Text("a"), Text("b"), Text("c"));
        var studentId = Guid.NewGuid();
        using var student = As(studentId);
        await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);
        await PostAsync(student, $"/api/content/materials/{materials[0]}/complete", null, HttpStatusCode.OK);
        await Task.WhenAll(
            PostAsync(student, $"/api/content/materials/{materials[1]}/complete", null, HttpStatusCode.OK),
            PostAsync(student, $"/api/content/materials/{materials[2]}/complete", null, HttpStatusCode.OK),
            PostAsync(student, $"/api/content/materials/{materials[1]}/complete", null, HttpStatusCode.OK),
            PostAsync(student, $"/api/content/materials/{materials[2]}/complete", null, HttpStatusCode.OK));
        Assert.Single(await completed.CollectAsync(m => m.GetProperty("user_id").GetGuid() == studentId, TimeSpan.FromSeconds(3)));
        Assert.Equal(1, await factory.QueryAsync(db => db.CourseCompletions.CountAsync(c => c.UserId == studentId, Ct)));
    }

    [Fact]
    public async Task Video_heartbeats_count_watched_intervals_and_a_seek_to_the_end_does_not_count()
    {
        await using var completed = await BrokerProbe.BindAsync(factory.Broker, "content.material.completed");
        var (course, material, _) = await VideoCourseAsync(600);
        var studentId = Guid.NewGuid();
        using var student = As(studentId);
        await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);

        using (var r = await student.PostAsJsonAsync($"/api/content/materials/{material}/progress", new { duration = 600 }, Ct))
        {
            var problem = await AssertFieldErrorAsync(r, "invalid_progress", "position");
            Assert.False(problem.GetProperty("errors").TryGetProperty("duration", out _));
        }
        using (var r = await student.PostAsJsonAsync($"/api/content/materials/{material}/progress", new { position = -1, duration = 600 }, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.UnprocessableEntity, "invalid_position");
        }
        using (var r = await student.PostAsJsonAsync($"/api/content/materials/{material}/progress", new { position = 650, duration = 700 }, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.UnprocessableEntity, "invalid_position"); // beyond the transcoded 600 s
        }
        using (var r = await student.PostAsync($"/api/content/materials/{material}/complete", null, Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.Conflict, "watch_required");
        }

        await HeartbeatAsync(student, material, 0);
        factory.Time.Advance(TimeSpan.FromSeconds(20));
        var watched = await HeartbeatAsync(student, material, 20);
        Assert.Equal(20, watched.GetProperty("watched_seconds").GetDouble());

        // Seeking to the end: a jump far beyond what 1 s of playing allows.
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var seek = await HeartbeatAsync(student, material, 599);
        Assert.Equal(20, seek.GetProperty("watched_seconds").GetDouble());
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var end = await HeartbeatAsync(student, material, 600);
        Assert.Equal(21, end.GetProperty("watched_seconds").GetDouble());
        Assert.False(end.GetProperty("done").GetBoolean());

        // Watching again from 0 to 20 adds nothing; then on to 540 s (90 %).
        await HeartbeatAsync(student, material, 0);
        for (var position = 20; position <= 540; position += 20)
        {
            factory.Time.Advance(TimeSpan.FromSeconds(20));
            var beat = await HeartbeatAsync(student, material, position);
            Assert.Equal(position >= 540, beat.GetProperty("done").GetBoolean());
        }
        var progress = await student.GetFromJsonAsync<JsonElement>($"/api/content/courses/{course}/progress", Ct);
        var row = Assert.Single(progress.GetProperty("materials").EnumerateArray());
        Assert.Equal(541, row.GetProperty("watched_seconds").GetDouble()); // [0,540] + [599,600]
        Assert.True(row.GetProperty("done").GetBoolean());
        Assert.Equal("completed", progress.GetProperty("state").GetString());
        Assert.Single(await completed.CollectAsync(m => m.GetProperty("user_id").GetGuid() == studentId, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Two_tabs_heartbeating_at_once_never_lose_watched_time_and_complete_once()
    {
        await using var completed = await BrokerProbe.BindAsync(factory.Broker, "content.material.completed");
        var (course, material, _) = await VideoCourseAsync(600);
        var studentId = Guid.NewGuid();
        using var tabA = As(studentId);
        using var tabB = As(studentId);
        await PostAsync(tabA, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);

        // Tab A plays 0..280, tab B 300..580, heartbeats every 10 s sent at the same moment.
        await Task.WhenAll(HeartbeatAsync(tabA, material, 0), HeartbeatAsync(tabB, material, 300));
        for (var step = 10; step <= 280; step += 10)
        {
            factory.Time.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAll(HeartbeatAsync(tabA, material, step), HeartbeatAsync(tabB, material, 300 + step),
                HeartbeatAsync(tabA, material, step), HeartbeatAsync(tabB, material, 300 + step));
        }
        var stored = await factory.QueryAsync(db => db.MaterialProgress.SingleAsync(p => p.UserId == studentId && p.MaterialId == material, Ct));
        Assert.Equal(560, stored.WatchedSeconds); // 280 + 280: nothing lost
        Assert.NotNull(stored.CompletedAt);
        Assert.Single(await completed.CollectAsync(m => m.GetProperty("user_id").GetGuid() == studentId, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Forty_heartbeats_of_one_watcher_in_flight_together_are_each_merged_and_none_is_refused()
    {
        var (course, material, _) = await VideoCourseAsync(600);
        var studentId = Guid.NewGuid();
        using var student = As(studentId);
        await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);
        await HeartbeatAsync(student, material, 0);

        // A player's heartbeats queued behind a stall arrive together: every one must be merged, none answered 409.
        factory.Time.Advance(TimeSpan.FromSeconds(10));
        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => HeartbeatAsync(student, material, 10)));

        var stored = await factory.QueryAsync(db => db.MaterialProgress.SingleAsync(p => p.UserId == studentId && p.MaterialId == material, Ct));
        Assert.Equal(41, stored.Version); // the first heartbeat's insert, then one write for each of the forty
        Assert.Equal(10, stored.WatchedSeconds);
    }

    [Fact]
    public async Task The_due_date_job_publishes_due_soon_and_overdue_once_even_when_run_concurrently()
    {
        await using var due = await BrokerProbe.BindAsync(factory.Broker, "content.enrolment.*");
        var (course, _, _) = await CourseAsync(Text());
        var learner = Guid.NewGuid();
        await ProfileAsync(learner, "Ops", "UTC");
        using var admin = As(Guid.NewGuid(), "admin");
        var dueAt = factory.Time.GetUtcNow().AddDays(5);
        dueAt = dueAt.AddTicks(-(dueAt.Ticks % TimeSpan.TicksPerSecond)); // PostgreSQL keeps microseconds
        await PostAsync(admin, $"/api/content/courses/{course}/assignments", new { user_ids = new[] { learner }, due_at = dueAt.ToString("O") }, HttpStatusCode.OK);
        var job = factory.Services.GetRequiredService<DueDateJob>();

        factory.Time.Advance(TimeSpan.FromDays(3)); // 2 days left
        await Task.WhenAll(job.RunAsync(Ct), job.RunAsync(Ct), job.RunAsync(Ct));
        await job.RunAsync(Ct);
        factory.Time.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1)); // overdue
        await Task.WhenAll(job.RunAsync(Ct), job.RunAsync(Ct), job.RunAsync(Ct));
        await job.RunAsync(Ct);

        var events = await due.CollectAsync(m => m.GetProperty("user_id").GetGuid() == learner, TimeSpan.FromSeconds(3));
        var soon = Assert.Single(events, e => e.GetProperty("type").GetString() == "content.enrolment.due_soon");
        Assert.Equal(2, soon.GetProperty("days_left").GetInt32());
        var overdue = Assert.Single(events, e => e.GetProperty("type").GetString() == "content.enrolment.overdue");
        Assert.Equal(dueAt, overdue.GetProperty("due_at").GetDateTimeOffset());

        using var student = As(learner);
        var learning = await student.GetFromJsonAsync<JsonElement>("/api/content/me/learning", Ct);
        Assert.Equal("overdue", learning.GetProperty("items")[0].GetProperty("state").GetString());

        // A new due date re-arms both.
        var later = factory.Time.GetUtcNow().AddDays(1);
        await PostAsync(admin, $"/api/content/courses/{course}/assignments", new { user_ids = new[] { learner }, due_at = later.ToString("O") }, HttpStatusCode.OK);
        await job.RunAsync(Ct);
        factory.Time.Advance(TimeSpan.FromDays(2));
        await job.RunAsync(Ct);
        var rearmed = await due.CollectAsync(m => m.GetProperty("user_id").GetGuid() == learner, TimeSpan.FromSeconds(3));
        Assert.Equal(["content.enrolment.due_changed", "content.enrolment.due_soon", "content.enrolment.overdue"],
            rearmed.Select(e => e.GetProperty("type").GetString()).Order());
    }

    [Fact]
    public async Task My_learning_lists_overdue_first_then_by_due_date_and_enrolment_lists_follow_roles()
    {
        var learnerId = Guid.NewGuid();
        var managerId = Guid.NewGuid();
        await ProfileAsync(learnerId, "Legal", "UTC");
        await ProfileAsync(managerId, "Legal", "UTC");
        var otherDepartment = Guid.NewGuid();
        await ProfileAsync(otherDepartment, "IT", "UTC");
        var soon = await CourseAsync(Text());
        var later = await CourseAsync(Text());
        var none = await CourseAsync(Text());
        var overdue = await CourseAsync(Text());
        using var admin = As(Guid.NewGuid(), "admin");
        var now = factory.Time.GetUtcNow();
        await PostAsync(admin, $"/api/content/courses/{later.Course}/assignments", new { user_ids = new[] { learnerId }, due_at = now.AddDays(20).ToString("O") }, HttpStatusCode.OK);
        await PostAsync(admin, $"/api/content/courses/{soon.Course}/assignments", new { user_ids = new[] { learnerId }, due_at = now.AddDays(10).ToString("O") }, HttpStatusCode.OK);
        await PostAsync(admin, $"/api/content/courses/{overdue.Course}/assignments", new { user_ids = new[] { learnerId, otherDepartment }, due_at = now.AddHours(1).ToString("O") }, HttpStatusCode.OK);
        using var learner = As(learnerId);
        await PostAsync(learner, $"/api/content/courses/{none.Course}/enrolment", null, HttpStatusCode.Created);
        await PostAsync(learner, $"/api/content/materials/{later.Materials[0]}/complete", null, HttpStatusCode.OK);
        factory.Time.Advance(TimeSpan.FromHours(2));

        var items = (await learner.GetFromJsonAsync<JsonElement>("/api/content/me/learning", Ct)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([overdue.Course, soon.Course, later.Course, none.Course], items.Select(i => i.GetProperty("course_id").GetGuid()));
        Assert.Equal(["overdue", "not_started", "completed", "not_started"], items.Select(i => i.GetProperty("state").GetString()));

        using var manager = As(managerId, "manager");
        var page = await manager.GetFromJsonAsync<JsonElement>($"/api/content/courses/{overdue.Course}/enrolments?state=overdue", Ct);
        Assert.Equal(1, page.GetProperty("total").GetInt32()); // not the IT learner
        Assert.Equal(learnerId, page.GetProperty("items")[0].GetProperty("user_id").GetGuid());
        var all = await admin.GetFromJsonAsync<JsonElement>($"/api/content/courses/{overdue.Course}/enrolments", Ct);
        Assert.Equal(2, all.GetProperty("total").GetInt32());
        var completedOnly = await admin.GetFromJsonAsync<JsonElement>($"/api/content/courses/{later.Course}/enrolments?state=completed", Ct);
        Assert.Equal(1, completedOnly.GetProperty("total").GetInt32());
        using (var r = await learner.GetAsync($"/api/content/courses/{overdue.Course}/enrolments", Ct))
        {
            await AssertProblemAsync(r, HttpStatusCode.Forbidden, "forbidden");
        }
        using (var r = await admin.GetAsync($"/api/content/courses/{overdue.Course}/enrolments?state=lost", Ct))
        {
            await AssertFieldErrorAsync(r, "invalid_state", "state");
        }
    }

    [Fact]
    public async Task A_material_of_an_archived_course_is_refused_with_course_not_published()
    {
        var authorId = Guid.NewGuid();
        var (course, _, materials) = await CourseAsync(Text());
        var studentId = Guid.NewGuid();
        using var student = As(studentId);
        await PostAsync(student, $"/api/content/courses/{course}/enrolment", null, HttpStatusCode.Created);
        using var admin = As(authorId, "admin");
        await PostAsync(admin, $"/api/content/courses/{course}/archive", null, HttpStatusCode.OK);
        using var r = await student.PostAsync($"/api/content/materials/{materials[0]}/complete", null, Ct);
        await AssertProblemAsync(r, HttpStatusCode.Conflict, "course_not_published");
    }
}
