using System.Net;
using System.Text.Json;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// Learning records, the people side through the edge: the <c>manager</c> role is granted by an admin and carried by
/// the token; only an admin changes a department; content's learning events (published here as content writes them,
/// to the platform's exchange) reach the learner's mailbox in maildev — assigned and completed once each, and an
/// overdue due date exactly once, however often the event arrives.
/// </summary>
public sealed class LearningRecordsPeopleTests
{
    private const string Exchange = "campus.events";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_admin_grants_manager_and_sets_departments_which_a_user_cannot_change()
    {
        var manager = await SignIn.WithRolesAsync("student", "manager");
        var learner = await SignIn.PhoneAsync();
        var admin = await SignIn.AdminAsync();

        using (var own = await Api.SendAsync(learner, HttpMethod.Put, "api/profile", new { city = "Kazan", department = "Sales" }))
        {
            await Api.ExpectCodeAsync(own, HttpStatusCode.Forbidden, "department_admin_only");
        }
        foreach (var user in new[] { manager, learner })
        {
            using var set = await Api.SendAsync(admin, HttpMethod.Put, $"api/profile/users/{user.UserId}", new { department = "Sales" });
            await Api.ExpectAsync(set, HttpStatusCode.OK);
        }
        using (var same = await Api.SendAsync(learner, HttpMethod.Put, "api/profile", new { city = "Kazan", department = "Sales" }))
        {
            Assert.Equal("Sales", (await Api.ExpectAsync(same, HttpStatusCode.OK)).GetProperty("department").GetString());
        }
        using (var moved = await Api.SendAsync(manager, HttpMethod.Put, "api/profile", new { department = "Marketing" }))
        {
            await Api.ExpectCodeAsync(moved, HttpStatusCode.Forbidden, "department_admin_only");
        }
        using var history = await Api.SendAsync(learner, HttpMethod.Get, "api/profile/history");
        var entry = Assert.Single((await Api.ExpectAsync(history, HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("field").GetString() == "department");
        Assert.Equal(("Sales", admin.UserId), (entry.GetProperty("new_value").GetString(), entry.GetProperty("changed_by").GetString()));
    }

    [Fact]
    public async Task A_learner_is_mailed_the_assignment_the_completion_and_one_overdue_notice()
    {
        var email = NotificationsTests.NewAddress();
        await NotificationsTests.RegisterConfirmedAsync(email);
        using var login = await NotificationsTests.PostAsync("api/auth/email/login", new { email, password = NotificationsTests.Password });
        var learner = SignIn.Claims((await Api.ExpectAsync(login, HttpStatusCode.OK)).GetProperty("access_token").GetString()!)
            .GetProperty("sub").GetGuid();
        var (assigned, overdueCourse) = (Guid.NewGuid(), Guid.NewGuid());
        var title = "E2E learning " + Guid.NewGuid().ToString("N")[..8];
        var due = DateTimeOffset.UtcNow.AddDays(-1);

        await PublishAsync("content.enrolment.created", new
        {
            id = Guid.NewGuid(), course_id = assigned, course_title = title, user_id = learner, source = "assigned",
            due_at = DateTimeOffset.UtcNow.AddDays(14), assigned_by = Guid.NewGuid(),
        });
        await PublishAsync("content.course.completed", new { id = Guid.NewGuid(), course_id = assigned, course_title = title, user_id = learner, completed_at = DateTimeOffset.UtcNow });
        var overdue = new { id = Guid.NewGuid(), course_id = overdueCourse, course_title = title, user_id = learner, due_at = due };
        await PublishAsync("content.enrolment.overdue", overdue);
        await PublishAsync("content.enrolment.overdue", overdue); // redelivered
        await PublishAsync("content.enrolment.overdue", overdue with { id = Guid.NewGuid() }); // the same fact, sent again

        // The confirmation and the three notices; then every event consumed and every delivery made, so duplicates would be here.
        await Wait.UntilAsync(async () => (await NotificationsTests.MailsToAsync(email)).Count >= 4, seconds: 30);
        await Pipeline.SettledAsync(Pipeline.ContentEvents, Pipeline.Deliveries);
        var mails = await NotificationsTests.MailsToAsync(email);
        var subjects = mails.Select(m => m.GetProperty("subject").GetString()).ToList();
        // A new contact reads Russian (the confirmation mail is the first).
        Assert.Single(subjects, s => s == $"Вам назначен курс «{title}»");
        Assert.Single(subjects, s => s == $"Курс «{title}» пройден");
        Assert.Single(subjects, s => s == $"Курс «{title}» просрочен");
        Assert.Single(mails, m => m.GetRawText().Contains($"/courses/{overdueCourse}", StringComparison.Ordinal));
    }

    private static Task PublishAsync(string routingKey, object evt) =>
        RabbitMqTestScope.PublishRawAsync(Exchange, routingKey, JsonSerializer.Serialize(evt));
}
