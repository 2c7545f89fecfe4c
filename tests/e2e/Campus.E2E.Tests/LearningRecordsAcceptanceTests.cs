using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Campus.E2E.Tests;

/// <summary>
/// Learning records end to end through the edge, every step a real request (no event published by the test): an admin
/// makes a manager and sets departments; the manager assigns a published course (a transcoded video and a text) to their
/// department with a due date; a learner of that department sees it, watches the video by heartbeats (a seek to the end
/// counts for nothing, heartbeats at a plausible pace complete it), marks the text done and completes the course; the
/// manager sees 100 %; the learner is mailed the assignment and the completion, and a due date that passes yields one
/// overdue notice. A manager cannot assign outside their department, a student cannot assign at all.
/// </summary>
public sealed class LearningRecordsAcceptanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_manager_assigns_a_course_the_learner_completes_it_and_is_mailed_assigned_due_soon_completed_and_one_overdue()
    {
        var admin = await SignIn.AdminAsync();
        var author = await SignIn.WithRolesAsync("author");
        var manager = await SignIn.WithRolesAsync("student", "manager");
        var (learner, email) = await EmailLearnerAsync();
        var department = "E2E dept " + Guid.NewGuid().ToString("N")[..8];
        await SetDepartmentAsync(admin, manager.UserId, department);
        await SetDepartmentAsync(admin, learner.UserId, department);

        // The overdue part first: its due date passes while the rest runs. A due date in the past is refused, so it is a
        // few seconds ahead; the due-date job (Content:Learning:DueCheckInterval, 1 min by default) publishes it.
        var lateTitle = "E2E late " + Guid.NewGuid().ToString("N")[..8];
        var late = await PublishedCourseAsync(author, lateTitle, video: null);
        using (var refused = await Api.SendAsync(manager, HttpMethod.Post, $"api/content/courses/{late}/assignments",
                   new { user_ids = new[] { learner.UserId }, due_at = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture) }))
        {
            await Api.ExpectCodeAsync(refused, HttpStatusCode.UnprocessableEntity, "due_in_past");
        }
        await AssignAsync(manager, late, () => new { user_ids = new[] { learner.UserId }, due_at = DateTimeOffset.UtcNow.AddSeconds(5).ToString("O", CultureInfo.InvariantCulture) });

        // Due in two days, within Content:Learning:DueSoonDays (3): one "due soon" reminder.
        var soonTitle = "E2E soon " + Guid.NewGuid().ToString("N")[..8];
        var soon = await PublishedCourseAsync(author, soonTitle, video: null);
        await AssignAsync(manager, soon, () => new { user_ids = new[] { learner.UserId }, due_at = DateTimeOffset.UtcNow.AddDays(2).ToString("O", CultureInfo.InvariantCulture) });

        // The course: a real transcoded video and a text.
        var clip = await MediaTranscodeTests.ClipAsync(1920, 1080, seconds: 5);
        var mediaId = await MediaTranscodeTests.UploadAndCompleteAsync(author, clip, "lesson.mp4");
        var (ready, _) = await MediaTranscodeTests.WaitForAsync(author, mediaId, "ready", TimeSpan.FromMinutes(3));
        var duration = ready.GetProperty("duration_seconds").GetDouble();
        var title = "E2E assigned " + Guid.NewGuid().ToString("N")[..8];
        var course = await PublishedCourseAsync(author, title, mediaId);
        var (video, text) = await MaterialsAsync(author, course);

        var due = DateTimeOffset.UtcNow.AddDays(14).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var assigned = await AssignAsync(manager, course, () => new { department, due_at = due });
        Assert.Equal(course, assigned.GetProperty("course_id").GetGuid());

        var mine = await WaitForLearningAsync(learner, course, _ => true);
        Assert.Equal("not_started", mine.GetProperty("state").GetString());
        Assert.Equal("assigned", mine.GetProperty("source").GetString());
        Assert.Equal(0, mine.GetProperty("progress_percent").GetInt32());
        Assert.Equal(2, mine.GetProperty("total_materials").GetInt32());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("completed_at").ValueKind);
        Assert.Equal(DateOnly.Parse(due, CultureInfo.InvariantCulture), DateOnly.FromDateTime(mine.GetProperty("due_at").GetDateTimeOffset().DateTime));

        // A jump straight to the end only starts a play cursor: nothing is watched.
        var seek = await HeartbeatAsync(learner, video, duration, duration);
        Assert.False(seek.GetProperty("done").GetBoolean());
        Assert.Equal(0, seek.GetProperty("watched_seconds").GetDouble());
        using (var notYet = await Api.SendAsync(learner, HttpMethod.Post, $"api/content/materials/{video}/complete"))
        {
            await Api.ExpectCodeAsync(notYet, HttpStatusCode.Conflict, "watch_required");
        }

        // Playing from the start: each heartbeat advances 2 s, within the slack the service allows for no elapsed time
        // (elapsed × 2 + 3 s), so the test need not wait the video's duration. The last one stays short of the end, where
        // the seek's cursor sits (a heartbeat there would continue that cursor, not this one).
        var positions = new List<double>();
        for (var p = 0.0; p < duration - 0.2; p += 2)
        {
            positions.Add(p);
        }
        positions.Add(duration - 0.2);
        JsonElement beat = default;
        foreach (var position in positions)
        {
            beat = await HeartbeatAsync(learner, video, position, duration);
            if (position < positions[^1])
            {
                Assert.False(beat.GetProperty("done").GetBoolean(), $"done already at {position} s: {beat}");
            }
        }
        Assert.True(beat.GetProperty("done").GetBoolean(), $"not done after playing to {positions[^1]} s: {beat}");
        Assert.InRange(beat.GetProperty("watched_seconds").GetDouble(), duration * 0.9, duration);
        Assert.Equal("in_progress", (await WaitForLearningAsync(learner, course, _ => true)).GetProperty("state").GetString());

        using (var complete = await Api.SendAsync(learner, HttpMethod.Post, $"api/content/materials/{text}/complete"))
        {
            await Api.ExpectAsync(complete, HttpStatusCode.OK);
        }
        var done = await WaitForLearningAsync(learner, course, _ => true);
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal(100, done.GetProperty("progress_percent").GetInt32());
        Assert.Equal(2, done.GetProperty("done_materials").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("completed_at").ValueKind);

        using (var enrolments = await Api.SendAsync(manager, HttpMethod.Get, $"api/content/courses/{course}/enrolments"))
        {
            var row = Assert.Single((await Api.ExpectAsync(enrolments, HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
                i => i.GetProperty("user_id").GetString() == learner.UserId);
            Assert.Equal((100, "completed", department), (row.GetProperty("progress_percent").GetInt32(), row.GetProperty("state").GetString(),
                row.GetProperty("department").GetString()));
        }

        // The mails (a new contact reads Russian).
        await WaitForSubjectAsync(email, $"Вам назначен курс «{title}»", TimeSpan.FromSeconds(30));
        await WaitForSubjectAsync(email, $"Курс «{title}» пройден", TimeSpan.FromSeconds(30));
        var soonPrefix = $"Срок курса «{soonTitle}» истекает через ";
        await WaitForSubjectAsync(email, s => s.StartsWith(soonPrefix, StringComparison.Ordinal), soonPrefix + "…", TimeSpan.FromSeconds(30));

        // The overdue notice comes with the first due-date round after the due date.
        var overdueSubject = $"Курс «{lateTitle}» просрочен";
        await WaitForSubjectAsync(email, overdueSubject, TimeSpan.FromSeconds(100));
        Assert.Equal("overdue", (await WaitForLearningAsync(learner, late, _ => true)).GetProperty("state").GetString());

        // Exactly one: another course that falls due after that round is noticed by a later one, which must not have
        // repeated the first notice.
        var laterTitle = "E2E later " + Guid.NewGuid().ToString("N")[..8];
        var later = await PublishedCourseAsync(author, laterTitle, video: null);
        await AssignAsync(manager, later, () => new { user_ids = new[] { learner.UserId }, due_at = DateTimeOffset.UtcNow.AddSeconds(2).ToString("O", CultureInfo.InvariantCulture) });
        await WaitForSubjectAsync(email, $"Курс «{laterTitle}» просрочен", TimeSpan.FromSeconds(100));
        var subjects = (await NotificationsTests.MailsToAsync(email)).Select(m => m.GetProperty("subject").GetString()).ToList();
        Assert.Single(subjects, s => s == overdueSubject);
        Assert.Single(subjects, s => s == $"Вам назначен курс «{title}»");
        Assert.Single(subjects, s => s == $"Курс «{title}» пройден");
        Assert.Single(subjects, s => s!.StartsWith(soonPrefix, StringComparison.Ordinal));
        Assert.DoesNotContain(subjects, s => s == $"Курс «{title}» просрочен");
    }

    [Fact]
    public async Task A_manager_cannot_assign_a_learner_of_another_department_and_a_student_cannot_assign()
    {
        var admin = await SignIn.AdminAsync();
        var author = await SignIn.WithRolesAsync("author");
        var manager = await SignIn.WithRolesAsync("student", "manager");
        var outsider = await SignIn.PhoneAsync();
        var student = await SignIn.PhoneAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await SetDepartmentAsync(admin, manager.UserId, "E2E dept " + suffix);
        await SetDepartmentAsync(admin, outsider.UserId, "E2E other " + suffix);
        await SetDepartmentAsync(admin, student.UserId, "E2E dept " + suffix);
        var course = await PublishedCourseAsync(author, "E2E refused " + suffix, video: null);

        // Content learns users and departments from profile's events: until they arrive the outsider is unknown (422)
        // or the manager has no department (403 no_department).
        JsonElement refusal = default;
        await Campus.Testing.Wait.UntilAsync(async () =>
        {
            using var response = await Api.SendAsync(manager, HttpMethod.Post, $"api/content/courses/{course}/assignments",
                new { user_ids = new[] { outsider.UserId } });
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
            refusal = JsonDocument.Parse(body).RootElement.Clone();
            return response.StatusCode == HttpStatusCode.Forbidden && refusal.GetProperty("code").GetString() == "outside_department";
        }, seconds: 30);
        Assert.Equal([outsider.UserId], refusal.GetProperty("user_ids").EnumerateArray().Select(u => u.GetString()));

        using (var byStudent = await Api.SendAsync(student, HttpMethod.Post, $"api/content/courses/{course}/assignments",
                   new { department = "E2E dept " + suffix }))
        {
            await Api.ExpectCodeAsync(byStudent, HttpStatusCode.Forbidden, "forbidden");
        }
        using (var list = await Api.SendAsync(student, HttpMethod.Get, $"api/content/courses/{course}/enrolments"))
        {
            await Api.ExpectCodeAsync(list, HttpStatusCode.Forbidden, "forbidden");
        }
        using var outsiders = await Api.SendAsync(outsider, HttpMethod.Get, "api/content/me/learning");
        Assert.DoesNotContain((await Api.ExpectAsync(outsiders, HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("course_id").GetGuid() == course);
    }

    /// <summary>A learner registered by e-mail (so maildev receives their notices), signed in.</summary>
    private static async Task<(SignIn.Session Session, string Email)> EmailLearnerAsync()
    {
        var email = NotificationsTests.NewAddress();
        var refresh = await NotificationsTests.RegisterConfirmedAsync(email);
        using var login = await NotificationsTests.PostAsync("api/auth/email/login", new { email, password = NotificationsTests.Password });
        var token = (await Api.ExpectAsync(login, HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
        // The profile of an e-mail account is created from auth.user.registered (sent when the address is confirmed), a
        // moment later; a first read creates it at once, as the app's first screen does, so the admin can set the
        // department without waiting for the event.
        using (var profile = await Api.SendAsync(token, HttpMethod.Get, "api/profile"))
        {
            await Api.ExpectAsync(profile, HttpStatusCode.OK);
        }
        return (new SignIn.Session(token, SignIn.Claims(token).GetProperty("sub").GetString()!, refresh), email);
    }

    /// <summary>The admin sets a department (the profile may not exist yet right after sign-up: 404 is retried).</summary>
    internal static async Task SetDepartmentAsync(SignIn.Session admin, string userId, string department)
    {
        await Campus.Testing.Wait.UntilAsync(async () =>
        {
            using var set = await Api.SendAsync(admin, HttpMethod.Put, $"api/profile/users/{userId}", new { department });
            if (set.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
            Assert.Equal(department, (await Api.ExpectAsync(set, HttpStatusCode.OK)).GetProperty("department").GetString());
            return true;
        }, seconds: 30);
    }

    /// <summary>A published course with one section: the video (when given) then a text.</summary>
    internal static async Task<Guid> PublishedCourseAsync(SignIn.Session author, string title, string? video)
    {
        Guid course;
        using (var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/courses", new { title, description = "Learning records e2e" }))
        {
            course = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        Guid section;
        using (var created = await Api.SendAsync(author, HttpMethod.Post, $"api/content/courses/{course}/sections", new { title = "Lesson 1" }))
        {
            section = (await Api.ExpectAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }
        if (video is not null)
        {
            using var created = await Api.SendAsync(author, HttpMethod.Post, $"api/content/sections/{section}/materials",
                new { kind = "video", title = "Watch", media_id = video });
            await Api.ExpectAsync(created, HttpStatusCode.Created);
        }
        using (var created = await Api.SendAsync(author, HttpMethod.Post, $"api/content/sections/{section}/materials",
                   new { kind = "text", title = "Read", body = "The rules, in short." }))
        {
            await Api.ExpectAsync(created, HttpStatusCode.Created);
        }
        using var published = await Api.SendAsync(author, HttpMethod.Post, $"api/content/courses/{course}/publish");
        Assert.Equal("published", (await Api.ExpectAsync(published, HttpStatusCode.OK)).GetProperty("status").GetString());
        return course;
    }

    /// <summary>The video and the text material of <paramref name="course"/>, as its author reads it.</summary>
    private static async Task<(Guid Video, Guid Text)> MaterialsAsync(SignIn.Session reader, Guid course)
    {
        using var read = await Api.SendAsync(reader, HttpMethod.Get, $"api/content/courses/{course}");
        var materials = (await Api.ExpectAsync(read, HttpStatusCode.OK)).GetProperty("sections").EnumerateArray()
            .SelectMany(s => s.GetProperty("materials").EnumerateArray()).ToList();
        Guid Of(string kind) => materials.Single(m => m.GetProperty("kind").GetString() == kind).GetProperty("id").GetGuid();
        return (Of("video"), Of("text"));
    }

    /// <summary>Assigns as the manager (the request is made again each try: a due date a few seconds ahead); retries while content has not yet learnt the manager's department (403 no_department).</summary>
    private static async Task<JsonElement> AssignAsync(SignIn.Session manager, Guid course, Func<object> request)
    {
        JsonElement result = default;
        await Campus.Testing.Wait.UntilAsync(async () =>
        {
            using var response = await Api.SendAsync(manager, HttpMethod.Post, $"api/content/courses/{course}/assignments", request());
            if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity)
            {
                var code = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetString();
                if (code is "no_department" or "unknown_users" or "outside_department")
                {
                    return false; // the profile events are on their way
                }
            }
            result = await Api.ExpectAsync(response, HttpStatusCode.OK);
            return true;
        }, seconds: 30);
        return result;
    }

    private static async Task<JsonElement> HeartbeatAsync(SignIn.Session learner, Guid video, double position, double duration)
    {
        using var response = await Api.SendAsync(learner, HttpMethod.Post, $"api/content/materials/{video}/progress",
            new { position = position, duration = duration });
        return await Api.ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The learner's item for <paramref name="course"/> in <c>GET /me/learning</c>, once it is there.</summary>
    private static async Task<JsonElement> WaitForLearningAsync(SignIn.Session learner, Guid course, Func<JsonElement, bool> condition)
    {
        JsonElement item = default;
        await Campus.Testing.Wait.UntilAsync(async () =>
        {
            using var response = await Api.SendAsync(learner, HttpMethod.Get, "api/content/me/learning");
            var items = (await Api.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
            item = items.FirstOrDefault(i => i.GetProperty("course_id").GetGuid() == course);
            return item.ValueKind == JsonValueKind.Object && condition(item);
        }, seconds: 30);
        return item;
    }

    private static Task WaitForSubjectAsync(string email, string subject, TimeSpan timeout) =>
        WaitForSubjectAsync(email, s => s == subject, subject, timeout);

    private static async Task WaitForSubjectAsync(string email, Func<string, bool> matches, string subject, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!(await NotificationsTests.MailsToAsync(email)).Any(m => m.GetProperty("subject").GetString() is { } s && matches(s)))
        {
            Assert.True(clock.Elapsed < timeout, $"no mail «{subject}» to {email} within {timeout.TotalSeconds:0} s");
            await Task.Delay(250, Ct);
        }
    }
}
