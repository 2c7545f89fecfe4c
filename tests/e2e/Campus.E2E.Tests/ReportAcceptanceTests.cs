using System.Net;
using Campus.Testing;
using static Campus.E2E.Tests.LearningRecordsAcceptanceTests;

namespace Campus.E2E.Tests;

/// <summary>
/// Reports from real learning through the edge: a learner of a department enrols in a course and completes it; analytics
/// learns it from content's events; the department's manager asks for the learner-progress report as XLSX and as PDF;
/// both become ready, the XLSX read back by ExcelDataReader holds exactly the learner's row, the PDF's text (pdftotext)
/// has the Russian title and the learner's name, and the download link works without credentials and says when it
/// expires. A manager of another department can neither ask for this department nor see the requests.
/// </summary>
public sealed class ReportAcceptanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_manager_downloads_the_learner_progress_of_real_learning_as_xlsx_and_pdf_and_another_manager_cannot()
    {
        var admin = await SignIn.AdminAsync();
        var author = await SignIn.WithRolesAsync("author");
        var manager = await SignIn.WithRolesAsync("student", "manager");
        var stranger = await SignIn.WithRolesAsync("student", "manager");
        var learner = await SignIn.PhoneAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var department = "E2E reports " + suffix;
        await SetDepartmentAsync(admin, manager.UserId, department);
        await SetDepartmentAsync(admin, learner.UserId, department);
        await SetDepartmentAsync(admin, stranger.UserId, "E2E elsewhere " + suffix);
        var name = "Ирина Отчётова " + suffix;
        using (var named = await Api.SendAsync(learner, HttpMethod.Put, "api/profile", new { display_name = name }))
        {
            await Api.ExpectAsync(named, HttpStatusCode.OK);
        }

        // Real learning: a self enrolment and the course's only material done.
        var title = "E2E отчёт " + suffix;
        var course = await PublishedCourseAsync(author, title, video: null);
        using (var enrolled = await Api.SendAsync(learner, HttpMethod.Post, $"api/content/courses/{course}/enrolment"))
        {
            await Api.ExpectAsync(enrolled, HttpStatusCode.Created);
        }
        Guid text;
        using (var read = await Api.SendAsync(learner, HttpMethod.Get, $"api/content/courses/{course}"))
        {
            text = (await Api.ExpectAsync(read, HttpStatusCode.OK)).GetProperty("sections").EnumerateArray()
                .SelectMany(s => s.GetProperty("materials").EnumerateArray()).Single().GetProperty("id").GetGuid();
        }
        using (var done = await Api.SendAsync(learner, HttpMethod.Post, $"api/content/materials/{text}/complete"))
        {
            await Api.ExpectAsync(done, HttpStatusCode.OK);
        }

        // Analytics learns the department, the name and the completion from the owners' events.
        await Wait.UntilAsync(async () =>
        {
            using var dashboard = await Api.SendAsync(manager, HttpMethod.Get, "api/analytics/dashboard");
            return dashboard.StatusCode == HttpStatusCode.OK
                && (await Api.ExpectAsync(dashboard, HttpStatusCode.OK)).GetProperty("completions").GetInt64() >= 1;
        }, seconds: 60);

        var xlsx = await ReadyReportAsync(manager, "xlsx");
        var sheets = ReportFiles.ReadXlsx(await DownloadAsync(manager, xlsx));
        var rows = sheets[0].Rows;
        Assert.Equal(["Слушатель", "E-mail", "Подразделение", "Курс", "Состояние", "Прогресс", "Записан", "Срок", "Завершён"],
            rows[0].Select(c => c as string));
        var row = Assert.Single(rows.Skip(1));
        Assert.Equal((name, department, title, "Завершён"), ((string?)row[0], (string?)row[2], (string?)row[3], (string?)row[4]));
        Assert.Equal(1.0, Assert.IsType<double>(row[5]), 6);
        Assert.IsType<DateTime>(row[8]);

        var pdf = await ReadyReportAsync(manager, "pdf");
        var pdfText = await ReportFiles.PdfTextAsync(await DownloadAsync(manager, pdf));
        Assert.Contains("Прогресс слушателей", pdfText, StringComparison.Ordinal);
        Assert.Contains(name, pdfText, StringComparison.Ordinal);

        // Another department's manager: not this department's data, and not these files.
        using (var refused = await Api.SendAsync(stranger, HttpMethod.Post, "api/analytics/reports",
                   new { type = "learner_progress", format = "xlsx", @params = new { department } }))
        {
            await Api.ExpectCodeAsync(refused, HttpStatusCode.Forbidden, "department_forbidden");
        }
        foreach (var path in new[] { $"api/analytics/reports/{xlsx}", $"api/analytics/reports/{xlsx}/download" })
        {
            using var hidden = await Api.SendAsync(stranger, HttpMethod.Get, path);
            await Api.ExpectCodeAsync(hidden, HttpStatusCode.NotFound, "report_not_found");
        }
    }

    /// <summary>Asks for the learner-progress report of the caller's department in <paramref name="format"/>; its id once ready.</summary>
    private static async Task<Guid> ReadyReportAsync(SignIn.Session manager, string format)
    {
        Guid id;
        using (var requested = await Api.SendAsync(manager, HttpMethod.Post, "api/analytics/reports", new { type = "learner_progress", format }))
        {
            id = (await Api.ExpectAsync(requested, HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
            Assert.Equal($"/api/analytics/reports/{id}", requested.Headers.Location?.OriginalString);
        }
        string? state = null;
        await Wait.UntilAsync(async () =>
        {
            using var status = await Api.SendAsync(manager, HttpMethod.Get, $"api/analytics/reports/{id}");
            state = (await Api.ExpectAsync(status, HttpStatusCode.OK)).GetProperty("state").GetString();
            Assert.NotEqual("failed", state);
            return state == "ready";
        }, seconds: 60);
        return id;
    }

    /// <summary>The file behind the download link, fetched without credentials; the link says when it expires.</summary>
    private static async Task<byte[]> DownloadAsync(SignIn.Session manager, Guid id)
    {
        using var link = await Api.SendAsync(manager, HttpMethod.Get, $"api/analytics/reports/{id}/download?redirect=false");
        var body = await Api.ExpectAsync(link, HttpStatusCode.OK);
        Assert.InRange(body.GetProperty("expires_at").GetDateTimeOffset(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        var url = new Uri(body.GetProperty("url").GetString()!);
        Assert.Contains("X-Amz-Expires=", url.Query, StringComparison.Ordinal);
        using var anonymous = new HttpClient();
        using var file = await anonymous.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        return await file.Content.ReadAsByteArrayAsync(Ct);
    }
}
