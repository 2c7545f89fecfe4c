using Campus.Notifications.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

/// <summary>analytics' <c>analytics.report.ready</c> on the broker → <c>report_ready</c> to the requester, with the download endpoint's link.</summary>
public sealed class ReportReadyTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(factory.WaitUntilReadyAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_requester_gets_the_download_link_in_their_language_once()
    {
        var (russian, english) = (Guid.NewGuid(), Guid.NewGuid());
        await factory.QueryAsync(db =>
        {
            db.Contacts.Add(new Contact { UserId = russian, Email = "boss@example.org", TelegramChatId = 7007, Locale = "ru", UpdatedAt = DateTimeOffset.UtcNow });
            db.Contacts.Add(new Contact { UserId = english, Email = "en@example.org", Locale = "en", UpdatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync(Ct);
        });
        var (request, englishRequest) = (Guid.NewGuid(), Guid.NewGuid());
        var ready = new
        {
            id = Guid.NewGuid(), request_id = request, user_id = russian, report_type = "learner_progress", format = "xlsx",
            file_name = "Прогресс слушателей — Продажи — 2026-12-06.xlsx",
        };

        await factory.PublishAsync("analytics.report.ready", ready);
        await factory.PublishAsync("analytics.report.ready", ready); // redelivered: nothing more
        await factory.PublishAsync("analytics.report.ready", new
        {
            id = Guid.NewGuid(), request_id = englishRequest, user_id = english, report_type = "activity", format = "pdf",
            file_name = "Learner activity — 2026-12-06.pdf",
        });

        await Wait.UntilAsync(async () => await factory.QueryAsync(db => db.Notifications.CountAsync(n => n.UserId == english, Ct)) == 1);
        var rows = await factory.QueryAsync(db => db.Notifications.AsNoTracking().Where(n => n.UserId == russian).ToListAsync(Ct));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(NotificationTypes.ReportReady, r.TypeKey));
        var link = $"{NotificationsFactory.LinkBaseUrl}/api/analytics/reports/{request}/download";
        var email = Assert.Single(rows, r => r.Channel == Channels.Email);
        Assert.Equal("Отчёт готов: Прогресс слушателей — Продажи — 2026-12-06.xlsx", email.Subject);
        Assert.Contains($"href=\"{link}\"", email.Body);
        Assert.Contains("(XLSX)", email.Body);
        var telegram = Assert.Single(rows, r => r.Channel == Channels.Telegram);
        Assert.Equal($"Отчёт «Прогресс слушателей — Продажи — 2026-12-06.xlsx» (XLSX) готов.\n{link}", telegram.Body);

        var englishEmail = await factory.QueryAsync(db => db.Notifications.AsNoTracking().SingleAsync(n => n.UserId == english, Ct));
        Assert.Equal("Report ready: Learner activity — 2026-12-06.pdf", englishEmail.Subject);
        Assert.Contains($"/api/analytics/reports/{englishRequest}/download", englishEmail.Body);
    }

    [Fact]
    public async Task A_scheduled_reports_recipients_get_it_too_once_each()
    {
        var (owner, colleague) = (Guid.NewGuid(), Guid.NewGuid());
        await factory.QueryAsync(db =>
        {
            db.Contacts.Add(new Contact { UserId = owner, Email = "owner@example.org", Locale = "ru", UpdatedAt = DateTimeOffset.UtcNow });
            db.Contacts.Add(new Contact { UserId = colleague, Email = "colleague@example.org", Locale = "ru", UpdatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync(Ct);
        });
        var request = Guid.NewGuid();

        // The owner listed among the recipients as well gets one notification, not two.
        await factory.PublishAsync("analytics.report.ready", new
        {
            id = Guid.NewGuid(), request_id = request, user_id = owner, report_type = "learner_progress", format = "xlsx",
            file_name = "Прогресс слушателей — 2026-12-07.xlsx", recipients = new[] { colleague, owner },
        });

        await Wait.UntilAsync(async () => await factory.QueryAsync(db => db.Notifications.CountAsync(n => n.UserId == colleague, Ct)) == 1);
        var rows = await factory.QueryAsync(db => db.Notifications.AsNoTracking()
            .Where(n => (n.UserId == owner || n.UserId == colleague) && n.Channel == Channels.Email).ToListAsync(Ct));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Contains($"/api/analytics/reports/{request}/download", r.Body));
        Assert.Equal(["colleague@example.org", "owner@example.org"], rows.Select(r => r.Recipient).Order());
    }
}
