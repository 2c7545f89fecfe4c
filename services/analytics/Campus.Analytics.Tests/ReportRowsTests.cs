using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Campus.Testing;

namespace Campus.Analytics.Tests;

/// <summary>
/// The rows of the activity, notification-delivery and overdue-assignments reports, value by value: a small known data
/// set is fed to the analytics service as the owners' events (published on the real RabbitMQ, applied by its consumer),
/// the worker beside it makes the report, and the file is downloaded from S3 and read back by ExcelDataReader and
/// pdftotext. Each test has its own departments; this class has its own database, so the reports without a department
/// see only the facts of these tests.
/// </summary>
public sealed class ReportRowsTests(ReportsFixture fixture) : IClassFixture<ReportsFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly TimeZoneInfo Moscow = TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow");

    private static readonly DateTimeOffset Registered = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A UTC instant of November 2026.</summary>
    private static DateTimeOffset Nov(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    private static string Suffix() => Guid.NewGuid().ToString("N")[..6];

    /// <summary>Publishes an owner's event: <paramref name="fields"/> plus id, type and occurred_at.</summary>
    private async Task PublishAsync(string type, object fields, DateTimeOffset occurredAt, Guid? id = null)
    {
        var eventId = id ?? Guid.CreateVersion7();
        var body = JsonSerializer.SerializeToNode(fields, JsonOptions)!.AsObject();
        body["id"] = eventId;
        body["type"] = type;
        body["occurred_at"] = occurredAt;
        await fixture.Service.PublishAsync(type, body.ToJsonString(), eventId.ToString());
    }

    /// <summary>A user as auth (registration, role) and profile (name, department, zone) announce it.</summary>
    private async Task UserAsync(Guid id, string name, string email, string department, string role = "student")
    {
        await PublishAsync("auth.user.registered", new { user_id = id, phone = (string?)null, email, roles = new[] { role } }, Registered);
        await PublishAsync("profile.profile.updated", new
        {
            user_id = id, changed_fields = new[] { "display_name", "department", "time_zone" }, changed_by = id,
            department, time_zone = "Europe/Moscow", display_name = name,
        }, Registered);
    }

    private Task SignInAsync(Guid user, DateTimeOffset at, Guid? id = null) =>
        PublishAsync("auth.user.signed_in", new { user_id = user, method = "phone" }, at, id);

    /// <summary>Chat's running total of <paramref name="user"/>'s messages on the UTC day of <paramref name="at"/>.</summary>
    private Task MessagesAsync(Guid user, DateTimeOffset at, int total) =>
        PublishAsync("chat.activity.counted", new
        {
            counts = new[] { new { user_id = user, day = DateOnly.FromDateTime(at.UtcDateTime), messages = total } },
        }, at);

    private Task MaterialDoneAsync(Guid course, Guid material, Guid user, DateTimeOffset at) =>
        PublishAsync("content.material.completed", new { course_id = course, material_id = material, user_id = user, completed_at = at }, at);

    private Task DeliveryAsync(Guid notification, Guid user, string type, string channel, string state, int attempts, DateTimeOffset at) =>
        PublishAsync("notifications.delivery.completed", new
        {
            notification_id = notification, user_id = user, notification_type = type, channel, state, attempts,
        }, at);

    /// <summary>
    /// Waits until the consumer has applied every event published so far: it takes them in order on one queue, so once
    /// a last sign-in of a user of its own is counted, everything before it is in the facts too.
    /// </summary>
    private async Task SettledAsync()
    {
        var sentinel = Guid.NewGuid();
        await SignInAsync(sentinel, DateTimeOffset.UtcNow);
        await Wait.UntilAsync(async () => await fixture.ScalarAsync<long>("SELECT count(*) FROM activity_daily WHERE user_id = $1", sentinel) == 1, 30);
    }

    /// <summary>Requests a report, waits until the worker has made it, downloads it: the request as answered and the file.</summary>
    private static async Task<(JsonElement Request, byte[] File)> ReportAsync(HttpClient client, object body)
    {
        var (response, created) = await ReportsFixture.RequestAsync(client, body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode}: {created}");
        var id = created.GetProperty("id").GetGuid();
        var done = await ReportsFixture.WaitForStateAsync(client, id, "ready");
        using var redirect = await client.GetAsync($"/api/analytics/reports/{id}/download", Cancellation);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        using var anonymous = new HttpClient();
        return (done, await anonymous.GetByteArrayAsync(redirect.Headers.Location, Cancellation));
    }

    /// <summary>The data sheet's rows (header first) of a one-sheet XLSX, and its parameters sheet.</summary>
    private static (List<object?[]> Rows, List<object?[]> Parameters) Sheets(byte[] file, string data, string parameters)
    {
        var sheets = ReportFiles.ReadXlsx(file);
        Assert.Equal([data, parameters], sheets.Select(s => s.Name));
        return (sheets[0].Rows, sheets[1].Rows);
    }

    private static void AssertParameter(List<object?[]> parameters, string label, string value) =>
        Assert.Contains(parameters, r => r[0] as string == label && r[1] as string == value);

    /// <summary>Excel keeps times as fractions of a day: equal to the millisecond's neighbourhood.</summary>
    private static void AssertTime(DateTime? expected, object? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }
        Assert.InRange(Assert.IsType<DateTime>(actual), expected.Value.AddMilliseconds(-5), expected.Value.AddMilliseconds(5));
    }

    /// <summary>A table row of pdftotext's layout: the cells in order, separated by blanks (a space in a cell may be a no-break one, or close up as "0%").</summary>
    private static void AssertPdfRow(string text, params string[] cells) =>
        Assert.True(Regex.IsMatch(text, string.Join(@"\s+", cells.Select(c => Regex.Escape(c).Replace(@"\ ", @"\s?", StringComparison.Ordinal)))),
            $"No row [{string.Join(" | ", cells)}] in the PDF:\n{text}");

    // ---------------------------------------------------------------------------------------------------------------
    // activity
    // ---------------------------------------------------------------------------------------------------------------

    private static void AssertActivity(object?[] row, string learner, string email, string department, int signIns, int materials, int messages,
        DateTime? lastSignIn)
    {
        Assert.Equal(learner, row[0]);
        Assert.Equal(email, row[1]);
        Assert.Equal(department, row[2]);
        Assert.Equal((double)signIns, row[3]);
        Assert.Equal((double)materials, row[4]);
        Assert.Equal((double)messages, row[5]);
        AssertTime(lastSignIn, row[6]);
    }

    [Fact]
    public async Task The_activity_report_sums_each_learners_sign_ins_materials_and_messages_over_the_range_days_of_the_department()
    {
        var department = "Продажи " + Suffix();
        var elsewhere = "Склад " + Suffix();
        var (manager, anna, boris, vera, oleg) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await UserAsync(manager, "Мария Руководитель", "maria@campus.test", department, "manager");
        await UserAsync(anna, "Анна Смирнова", "anna@campus.test", department);
        await UserAsync(boris, "Борис Иванов", "boris@campus.test", department);
        await UserAsync(vera, "Вера Петрова", "vera@campus.test", department);
        await UserAsync(oleg, "Олег Складской", "oleg@campus.test", elsewhere);
        var course = Guid.NewGuid();

        // The range is 2–8 November (Moscow days); every event is at a time of day whose UTC day is the Moscow day.
        // Anna: 3 sign-ins in it (one of them delivered twice), 1 after it (her last); 2 materials in it (one
        // completion delivered again under another id), 1 after; 2 messages in it, 1 before.
        await SignInAsync(anna, Nov(3, 7));
        var twice = Guid.CreateVersion7();
        await SignInAsync(anna, Nov(3, 15), twice);
        await SignInAsync(anna, Nov(3, 15), twice);
        await SignInAsync(anna, Nov(5, 8));
        await SignInAsync(anna, Nov(12, 10));
        var (first, second, third) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await MaterialDoneAsync(course, first, anna, Nov(4, 9));
        await MaterialDoneAsync(course, second, anna, Nov(4, 9, 30));
        await MaterialDoneAsync(course, second, anna, Nov(4, 9, 30));
        await MaterialDoneAsync(course, third, anna, Nov(9, 10));
        await MessagesAsync(anna, Nov(6, 12), 1);
        await MessagesAsync(anna, Nov(6, 12, 5), 2);
        await MessagesAsync(anna, Nov(1, 12), 1);
        // Boris: a sign-in and a material in the range, a message after it.
        await SignInAsync(boris, Nov(7, 6));
        await MaterialDoneAsync(course, first, boris, Nov(2, 10));
        await MessagesAsync(boris, Nov(20, 12), 1);
        // Vera was active before the range only; the manager not at all; Oleg in the range, but in another department.
        await SignInAsync(vera, new DateTimeOffset(2026, 10, 20, 9, 0, 0, TimeSpan.Zero));
        await SignInAsync(oleg, Nov(4, 10));
        await MessagesAsync(oleg, Nov(4, 11), 1);
        await SettledAsync();

        using var client = fixture.ClientFor(manager, "manager");
        var (request, file) = await ReportAsync(client, new { type = "activity", format = "xlsx", @params = new { from = "2026-11-02", to = "2026-11-08" } });

        Assert.Equal(2, request.GetProperty("row_count").GetInt64());
        var (rows, parameters) = Sheets(file, "Данные", "Параметры");
        Assert.Equal(["Слушатель", "E-mail", "Подразделение", "Входы", "Пройдено материалов", "Сообщения", "Последний вход"],
            rows[0].Select(c => c as string));
        Assert.Equal(3, rows.Count);
        // The last sign-in is the learner's last one, in the requester's zone (Moscow, UTC+3), whatever the range.
        AssertActivity(rows[1], "Анна Смирнова", "anna@campus.test", department, 3, 2, 2, new DateTime(2026, 11, 12, 13, 0, 0));
        AssertActivity(rows[2], "Борис Иванов", "boris@campus.test", department, 1, 1, 0, new DateTime(2026, 11, 7, 9, 0, 0));
        Assert.Equal("Активность слушателей", parameters[0][0]);
        AssertParameter(parameters, "Период", "02.11.2026 – 08.11.2026 (день активности)");
        AssertParameter(parameters, "Подразделение", department);

        // Without a range: every day counts, and Vera (active before the range) is back; the manager, never active, is not.
        using var admin = fixture.ClientFor(Guid.NewGuid(), "admin");
        var (allTime, allFile) = await ReportAsync(admin, new { type = "activity", format = "xlsx", locale = "en", @params = new { department } });
        Assert.Equal(3, allTime.GetProperty("row_count").GetInt64());
        var (allRows, allParameters) = Sheets(allFile, "Data", "Parameters");
        Assert.Equal(["Learner", "E-mail", "Department", "Sign-ins", "Materials done", "Messages", "Last sign-in"], allRows[0].Select(c => c as string));
        Assert.Equal(4, allRows.Count);
        AssertActivity(allRows[1], "Анна Смирнова", "anna@campus.test", department, 4, 3, 3, new DateTime(2026, 11, 12, 13, 0, 0));
        AssertActivity(allRows[2], "Борис Иванов", "boris@campus.test", department, 1, 1, 1, new DateTime(2026, 11, 7, 9, 0, 0));
        AssertActivity(allRows[3], "Вера Петрова", "vera@campus.test", department, 1, 0, 0, new DateTime(2026, 10, 20, 12, 0, 0));
        AssertParameter(allParameters, "Period", "all time (activity day)");

        // The other department on its own: Oleg only.
        var (_, otherFile) = await ReportAsync(admin, new { type = "activity", format = "xlsx", @params = new { department = elsewhere, from = "2026-11-02", to = "2026-11-08" } });
        var (otherRows, _) = Sheets(otherFile, "Данные", "Параметры");
        Assert.Equal(2, otherRows.Count);
        AssertActivity(otherRows[1], "Олег Складской", "oleg@campus.test", elsewhere, 1, 0, 1, new DateTime(2026, 11, 4, 13, 0, 0));

        // The PDF of the range: the same figures, the title and headers in Russian, no one outside the range or department.
        var (_, pdf) = await ReportAsync(client, new { type = "activity", format = "pdf", @params = new { from = "2026-11-02", to = "2026-11-08" } });
        var text = await ReportFiles.PdfTextAsync(pdf);
        Assert.Contains("Активность слушателей", text, StringComparison.Ordinal);
        // The header row ("Пройдено материалов" is shortened to its column's width).
        AssertPdfRow(text, "Слушатель", "E-mail", "Подразделение", "Входы", "Пройдено");
        AssertPdfRow(text, "Сообщения", "Последний вход");
        AssertPdfRow(text, "Анна Смирнова", "anna@campus.test", department, "3", "2", "2", "12.11.2026 13:00");
        AssertPdfRow(text, "Борис Иванов", "boris@campus.test", department, "1", "1", "0", "07.11.2026 09:00");
        Assert.DoesNotContain("Вера Петрова", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Мария Руководитель", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Олег Складской", text, StringComparison.Ordinal);
        Assert.Contains("Сводка: Пройдено материалов по подразделениям", text, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // notification_delivery
    // ---------------------------------------------------------------------------------------------------------------

    private static void AssertDelivery(object?[] row, string type, string channel, int sent, int failed, int retries)
    {
        Assert.Equal(type, row[0]);
        Assert.Equal(channel, row[1]);
        Assert.Equal((double)sent, row[2]);
        Assert.Equal((double)failed, row[3]);
        Assert.Equal((double)retries, row[4]);
    }

    [Fact]
    public async Task The_notification_delivery_report_counts_sent_failed_and_retries_per_type_and_channel_in_the_range_and_department()
    {
        var department = "Продажи " + Suffix();
        var elsewhere = "Склад " + Suffix();
        var (anna, boris, oleg, unknown) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await UserAsync(anna, "Анна Смирнова", "anna@campus.test", department);
        await UserAsync(boris, "Борис Иванов", "boris@campus.test", department);
        await UserAsync(oleg, "Олег Складской", "oleg@campus.test", elsewhere);

        // Retries are the attempts after the first; a delivery counts on the day of its final outcome (Moscow days
        // 2–8 November: from 1 November 21:00 UTC to 8 November 21:00 UTC).
        await DeliveryAsync(Guid.NewGuid(), anna, "course_assigned", "email", "sent", 1, Nov(3, 10));
        await DeliveryAsync(Guid.NewGuid(), boris, "course_assigned", "email", "sent", 3, Nov(3, 11));
        await DeliveryAsync(Guid.NewGuid(), anna, "course_assigned", "email", "failed", 5, Nov(4, 10));
        await DeliveryAsync(Guid.NewGuid(), boris, "course_assigned", "telegram", "sent", 1, Nov(4, 11));
        await DeliveryAsync(Guid.NewGuid(), anna, "due_soon", "email", "failed", 2, Nov(5, 10));
        // A failure re-driven and then sent: one notification, its newest outcome (sent after 6 attempts); the old
        // failure redelivered late changes nothing.
        var redriven = Guid.NewGuid();
        await DeliveryAsync(redriven, boris, "due_soon", "email", "failed", 5, Nov(5, 12));
        await DeliveryAsync(redriven, boris, "due_soon", "email", "sent", 6, Nov(6, 9));
        await DeliveryAsync(redriven, boris, "due_soon", "email", "failed", 5, Nov(5, 12));
        // 00:30 in Moscow on 2 November (in the range) and on 9 November (not in it), though both on a UTC day inside.
        await DeliveryAsync(Guid.NewGuid(), boris, "due_soon", "telegram", "sent", 2, Nov(1, 21, 30));
        await DeliveryAsync(Guid.NewGuid(), boris, "due_soon", "telegram", "failed", 1, Nov(8, 21, 30));
        // After and before the range.
        await DeliveryAsync(Guid.NewGuid(), anna, "course_assigned", "email", "sent", 4, Nov(10, 10));
        await DeliveryAsync(Guid.NewGuid(), anna, "report_ready", "email", "sent", 1, new DateTimeOffset(2026, 10, 30, 10, 0, 0, TimeSpan.Zero));
        // Another department, and a recipient analytics has no profile of (in no department).
        await DeliveryAsync(Guid.NewGuid(), oleg, "course_assigned", "email", "sent", 2, Nov(4, 12));
        await DeliveryAsync(Guid.NewGuid(), unknown, "course_assigned", "telegram", "failed", 3, Nov(4, 13));
        await SettledAsync();

        using var admin = fixture.ClientFor(Guid.NewGuid(), "admin");
        var range = new { department, from = "2026-11-02", to = "2026-11-08" };
        var (request, file) = await ReportAsync(admin, new { type = "notification_delivery", format = "xlsx", @params = range });

        Assert.Equal(4, request.GetProperty("row_count").GetInt64());
        var (rows, parameters) = Sheets(file, "Данные", "Параметры");
        Assert.Equal(["Тип уведомления", "Канал", "Доставлено", "Не доставлено", "Повторные попытки"], rows[0].Select(c => c as string));
        Assert.Equal(5, rows.Count);
        AssertDelivery(rows[1], "course_assigned", "E-mail", 2, 1, 0 + 2 + 4);
        AssertDelivery(rows[2], "course_assigned", "Telegram", 1, 0, 0);
        AssertDelivery(rows[3], "due_soon", "E-mail", 1, 1, 5 + 1);
        AssertDelivery(rows[4], "due_soon", "Telegram", 1, 0, 1);
        Assert.Equal("Доставка уведомлений", parameters[0][0]);
        AssertParameter(parameters, "Период", "02.11.2026 – 08.11.2026 (дата отправки)");
        AssertParameter(parameters, "Подразделение", department);

        // Every department (this class's database holds no other deliveries): Oleg's and the unknown recipient's count too.
        var (_, everyone) = await ReportAsync(admin, new
        {
            type = "notification_delivery", format = "xlsx", locale = "en", @params = new { from = "2026-11-02", to = "2026-11-08" },
        });
        var (allRows, allParameters) = Sheets(everyone, "Data", "Parameters");
        Assert.Equal(["Notification type", "Channel", "Sent", "Failed", "Retries"], allRows[0].Select(c => c as string));
        Assert.Equal(5, allRows.Count);
        AssertDelivery(allRows[1], "course_assigned", "E-mail", 3, 1, 6 + 1);
        AssertDelivery(allRows[2], "course_assigned", "Telegram", 1, 1, 0 + 2);
        AssertDelivery(allRows[3], "due_soon", "E-mail", 1, 1, 6);
        AssertDelivery(allRows[4], "due_soon", "Telegram", 1, 0, 1);
        AssertParameter(allParameters, "Department", "all departments");

        // The department without a range: the deliveries before and after it are back.
        var (_, allTime) = await ReportAsync(admin, new { type = "notification_delivery", format = "xlsx", @params = new { department } });
        var (allTimeRows, _) = Sheets(allTime, "Данные", "Параметры");
        Assert.Equal(6, allTimeRows.Count);
        AssertDelivery(allTimeRows[1], "course_assigned", "E-mail", 3, 1, 6 + 3);
        AssertDelivery(allTimeRows[2], "course_assigned", "Telegram", 1, 0, 0);
        AssertDelivery(allTimeRows[3], "due_soon", "E-mail", 1, 1, 6);
        AssertDelivery(allTimeRows[4], "due_soon", "Telegram", 1, 1, 1);
        AssertDelivery(allTimeRows[5], "report_ready", "E-mail", 1, 0, 0);

        // The English PDF of the range holds the same rows.
        using var english = fixture.ClientFor(Guid.NewGuid(), "admin", acceptLanguage: "en");
        var (_, pdf) = await ReportAsync(english, new { type = "notification_delivery", format = "pdf", @params = range });
        var text = await ReportFiles.PdfTextAsync(pdf);
        Assert.Contains("Notification delivery", text, StringComparison.Ordinal);
        AssertPdfRow(text, "Notification type", "Channel", "Sent", "Failed", "Retries");
        AssertPdfRow(text, "course_assigned", "E-mail", "2", "1", "6");
        AssertPdfRow(text, "course_assigned", "Telegram", "1", "0", "0");
        AssertPdfRow(text, "due_soon", "E-mail", "1", "1", "6");
        AssertPdfRow(text, "due_soon", "Telegram", "1", "0", "1");
        Assert.DoesNotContain("report_ready", text, StringComparison.Ordinal);
        Assert.Contains("Summary: Sent by channel", text, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 1", text, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // overdue_assignments
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The end of <paramref name="day"/> in Moscow, as content sets a due date given as a day.</summary>
    private static DateTimeOffset EndOfMoscowDay(DateOnly day) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(23, 59, 59)), Moscow), TimeSpan.Zero);

    private static void AssertOverdue(object?[] row, string learner, string email, string department, string course, DateTime due, int days,
        double progress)
    {
        Assert.Equal(learner, row[0]);
        Assert.Equal(email, row[1]);
        Assert.Equal(department, row[2]);
        Assert.Equal(course, row[3]);
        AssertTime(due, row[4]);
        Assert.Equal((double)days, row[5]);
        Assert.Equal(progress, Assert.IsType<double>(row[6]), 6);
    }

    [Fact]
    public async Task The_overdue_report_lists_each_unfinished_enrolment_past_its_due_date_with_the_days_overdue_and_progress()
    {
        var department = "Продажи " + Suffix();
        var elsewhere = "Склад " + Suffix();
        var (manager, anna, boris, vera, gleb, oleg) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await UserAsync(manager, "Мария Руководитель", "maria@campus.test", department, "manager");
        await UserAsync(anna, "Анна Смирнова", "anna@campus.test", department);
        await UserAsync(boris, "Борис Иванов", "boris@campus.test", department);
        await UserAsync(vera, "Вера Петрова", "vera@campus.test", department);
        await UserAsync(gleb, "Глеб Орлов", "gleb@campus.test", department);
        await UserAsync(oleg, "Олег Складской", "oleg@campus.test", elsewhere);

        // Two published courses: safety with 4 published materials, sales with 2.
        var (safety, sales, author) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var safetyTitle = "Охрана труда " + Suffix();
        var salesTitle = "Продажи 101 " + Suffix();
        await PublishAsync("content.course.published", new { course_id = safety, title = safetyTitle, author_id = author }, Registered);
        await PublishAsync("content.course.published", new { course_id = sales, title = salesTitle, author_id = author }, Registered);
        var safetyMaterials = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
        var salesMaterials = Enumerable.Range(0, 2).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var (course, materials) in new[] { (safety, safetyMaterials), (sales, salesMaterials) })
        {
            for (var i = 0; i < materials.Length; i++)
            {
                await PublishAsync("content.material.changed", new
                {
                    material_id = materials[i], course_id = course, title = $"Урок {i + 1}", kind = "text",
                    published = true, media_id = (Guid?)null, position = i,
                }, Registered);
            }
        }

        // Due dates are the end of a day in the learner's zone (Moscow), as content sets them.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Moscow).DateTime);
        var boris5th = EndOfMoscowDay(new DateOnly(2026, 11, 5));
        var anna20th = EndOfMoscowDay(new DateOnly(2026, 11, 20));
        var annaYesterday = EndOfMoscowDay(today.AddDays(-1));
        async Task EnrolAsync(Guid course, string title, Guid user, DateTimeOffset? due) =>
            await PublishAsync("content.enrolment.created", new
            {
                course_id = course, course_title = title, user_id = user, source = "assigned", due_at = due, assigned_by = manager,
            }, Registered.AddDays(1));
        // Boris's safety course was due on 1 November, moved to the 5th; not started.
        await EnrolAsync(safety, safetyTitle, boris, EndOfMoscowDay(new DateOnly(2026, 11, 1)));
        await PublishAsync("content.enrolment.due_changed", new { course_id = safety, course_title = safetyTitle, user_id = boris, due_at = boris5th },
            Registered.AddDays(2));
        // Anna: safety due on 20 November, 1 material of 4 done; sales due yesterday, 1 of 2 done.
        await EnrolAsync(safety, safetyTitle, anna, anna20th);
        await MaterialDoneAsync(safety, safetyMaterials[0], anna, Nov(10, 10));
        await EnrolAsync(sales, salesTitle, anna, annaYesterday);
        await MaterialDoneAsync(sales, salesMaterials[1], anna, Nov(11, 10));
        // Not overdue: Boris completed sales after its due date; Vera's is due in ten days; Gleb's was withdrawn.
        await EnrolAsync(sales, salesTitle, boris, EndOfMoscowDay(new DateOnly(2026, 11, 25)));
        await MaterialDoneAsync(sales, salesMaterials[0], boris, Nov(27, 10));
        await MaterialDoneAsync(sales, salesMaterials[1], boris, Nov(27, 11));
        await PublishAsync("content.course.completed", new { course_id = sales, course_title = salesTitle, user_id = boris, completed_at = Nov(27, 11) },
            Nov(27, 11));
        await EnrolAsync(sales, salesTitle, vera, EndOfMoscowDay(today.AddDays(10)));
        await EnrolAsync(safety, safetyTitle, gleb, EndOfMoscowDay(new DateOnly(2026, 11, 15)));
        await PublishAsync("content.enrolment.withdrawn", new { course_id = safety, course_title = safetyTitle, user_id = gleb, withdrawn_by = manager },
            Registered.AddDays(3));
        // Another department's overdue enrolment.
        await EnrolAsync(safety, safetyTitle, oleg, EndOfMoscowDay(new DateOnly(2026, 11, 10)));
        await SettledAsync();

        using var client = fixture.ClientFor(manager, "manager");
        var (request, file) = await ReportAsync(client, new { type = "overdue_assignments", format = "xlsx" });

        // Days overdue: whole days from the due day to the day the report was made, in the report's zone (Moscow).
        var made = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(request.GetProperty("started_at").GetDateTimeOffset(), Moscow).DateTime);
        int DaysSince(DateOnly due) => made.DayNumber - due.DayNumber;
        Assert.Equal(3, request.GetProperty("row_count").GetInt64());
        var (rows, parameters) = Sheets(file, "Данные", "Параметры");
        Assert.Equal(["Слушатель", "E-mail", "Подразделение", "Курс", "Срок", "Дней просрочки", "Прогресс"], rows[0].Select(c => c as string));
        Assert.Equal(4, rows.Count);
        // By due date, oldest first; the due dates in the requester's zone (Moscow: 23:59:59 of the day).
        AssertOverdue(rows[1], "Борис Иванов", "boris@campus.test", department, safetyTitle, new DateTime(2026, 11, 5, 23, 59, 59),
            DaysSince(new DateOnly(2026, 11, 5)), 0.0);
        AssertOverdue(rows[2], "Анна Смирнова", "anna@campus.test", department, safetyTitle, new DateTime(2026, 11, 20, 23, 59, 59),
            DaysSince(new DateOnly(2026, 11, 20)), 0.25);
        AssertOverdue(rows[3], "Анна Смирнова", "anna@campus.test", department, salesTitle, today.AddDays(-1).ToDateTime(new TimeOnly(23, 59, 59)),
            DaysSince(today.AddDays(-1)), 0.5);
        Assert.Equal("Просроченные назначения", parameters[0][0]);
        AssertParameter(parameters, "Период", "за всё время (срок)");
        AssertParameter(parameters, "Подразделение", department);

        // The range filters the due date: 1–10 November holds Boris's only.
        var (_, ranged) = await ReportAsync(client, new { type = "overdue_assignments", format = "xlsx", @params = new { from = "2026-11-01", to = "2026-11-10" } });
        var (rangedRows, _) = Sheets(ranged, "Данные", "Параметры");
        Assert.Equal(2, rangedRows.Count);
        Assert.Equal(("Борис Иванов", safetyTitle), ((string)rangedRows[1][0]!, (string)rangedRows[1][3]!));

        // An admin without a department sees the other department's too, in its due-date place (English headers).
        using var admin = fixture.ClientFor(Guid.NewGuid(), "admin");
        var (_, everyone) = await ReportAsync(admin, new { type = "overdue_assignments", format = "xlsx", locale = "en" });
        var (allRows, _) = Sheets(everyone, "Data", "Parameters");
        Assert.Equal(["Learner", "E-mail", "Department", "Course", "Due", "Days overdue", "Progress"], allRows[0].Select(c => c as string));
        Assert.Equal(5, allRows.Count);
        Assert.Equal(["Борис Иванов", "Олег Складской", "Анна Смирнова", "Анна Смирнова"], allRows.Skip(1).Select(r => (string)r[0]!));
        AssertOverdue(allRows[2], "Олег Складской", "oleg@campus.test", elsewhere, safetyTitle, new DateTime(2026, 11, 10, 23, 59, 59),
            DaysSince(new DateOnly(2026, 11, 10)), 0.0);

        // The manager's English PDF: the same rows and figures.
        using var english = fixture.ClientFor(manager, "manager", acceptLanguage: "en-US");
        var (pdfRequest, pdf) = await ReportAsync(english, new { type = "overdue_assignments", format = "pdf" });
        var pdfMade = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(pdfRequest.GetProperty("started_at").GetDateTimeOffset(), Moscow).DateTime);
        var text = await ReportFiles.PdfTextAsync(pdf);
        Assert.Contains("Overdue assignments", text, StringComparison.Ordinal);
        AssertPdfRow(text, "Learner", "E-mail", "Department", "Course", "Due", "Days overdue", "Progress");
        AssertPdfRow(text, "Борис Иванов", "boris@campus.test", department, safetyTitle, "05.11.2026 23:59",
            (pdfMade.DayNumber - new DateOnly(2026, 11, 5).DayNumber).ToString(CultureInfo.InvariantCulture), "0 %");
        AssertPdfRow(text, "Анна Смирнова", "anna@campus.test", department, salesTitle,
            today.AddDays(-1).ToString("dd.MM.yyyy", CultureInfo.InvariantCulture) + " 23:59",
            (pdfMade.DayNumber - today.AddDays(-1).DayNumber).ToString(CultureInfo.InvariantCulture), "50 %");
        Assert.DoesNotContain("Олег Складской", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Вера Петрова", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Глеб Орлов", text, StringComparison.Ordinal);
        Assert.Contains("Summary: Overdue by course", text, StringComparison.Ordinal);
    }
}
