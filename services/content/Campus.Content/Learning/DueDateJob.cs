using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Content.Learning;

/// <summary>
/// Publishes <c>content.enrolment.due_soon</c> and <c>content.enrolment.overdue</c> once per enrolment and due date.
/// Every replica may run it: each round claims due rows with <c>FOR UPDATE SKIP LOCKED</c> and marks them
/// (<c>due_soon_sent_for</c> / <c>overdue_sent_for</c> = the due date) in the transaction that writes the outbox rows,
/// so a row is published by exactly one replica and never again for the same due date; a new due date re-arms it.
/// </summary>
public sealed partial class DueDateJob(
    IServiceScopeFactory scopes, IOptions<LearningOptions> options, TimeProvider time, ILogger<DueDateJob> logger) : PeriodicJob(time, logger)
{
    private const int BatchSize = 200;

    private sealed record Claimed(Guid Id, Guid CourseId, Guid UserId, DateTimeOffset DueAt, string Title);

    protected override TimeSpan Interval => options.Value.DueCheckInterval;

    protected override Task RunRoundAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

    /// <summary>One round; returns how many events it published (due soon + overdue).</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var published = 0;
        while (true)
        {
            var batch = await RoundAsync(overdue: true, ct);
            published += batch;
            if (batch < BatchSize)
            {
                break;
            }
        }
        while (true)
        {
            var batch = await RoundAsync(overdue: false, ct);
            published += batch;
            if (batch < BatchSize)
            {
                break;
            }
        }
        return published;
    }

    private async Task<int> RoundAsync(bool overdue, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ContentDbContext>();
        var now = Time.GetUtcNow();
        var soon = now.AddDays(options.Value.DueSoonDays);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Not completed, with a due date in range, not yet published for this due date; rows another replica holds are skipped.
        var claimed = overdue
            ? await db.Database.SqlQuery<Claimed>(
                $"""
                UPDATE enrolments e SET overdue_sent_for = e.due_at
                FROM courses c
                WHERE c.id = e.course_id AND e.id IN (
                    SELECT x.id FROM enrolments x
                    WHERE x.due_at IS NOT NULL AND x.due_at <= {now} AND x.overdue_sent_for IS DISTINCT FROM x.due_at
                      AND NOT EXISTS (SELECT 1 FROM course_completions k WHERE k.user_id = x.user_id AND k.course_id = x.course_id)
                    ORDER BY x.due_at LIMIT {BatchSize} FOR UPDATE OF x SKIP LOCKED)
                RETURNING e.id, e.course_id, e.user_id, e.due_at, c.title
                """).ToListAsync(ct)
            : await db.Database.SqlQuery<Claimed>(
                $"""
                UPDATE enrolments e SET due_soon_sent_for = e.due_at
                FROM courses c
                WHERE c.id = e.course_id AND e.id IN (
                    SELECT x.id FROM enrolments x
                    WHERE x.due_at IS NOT NULL AND x.due_at > {now} AND x.due_at <= {soon} AND x.due_soon_sent_for IS DISTINCT FROM x.due_at
                      AND NOT EXISTS (SELECT 1 FROM course_completions k WHERE k.user_id = x.user_id AND k.course_id = x.course_id)
                    ORDER BY x.due_at LIMIT {BatchSize} FOR UPDATE OF x SKIP LOCKED)
                RETURNING e.id, e.course_id, e.user_id, e.due_at, c.title
                """).ToListAsync(ct);
        foreach (var row in claimed)
        {
            if (overdue)
            {
                db.AddOutboxMessage(new EnrolmentOverdue(row.CourseId, row.Title, row.UserId, row.DueAt) { OccurredAt = now });
            }
            else
            {
                var daysLeft = (int)Math.Max(1, Math.Ceiling((row.DueAt - now).TotalDays));
                db.AddOutboxMessage(new EnrolmentDueSoon(row.CourseId, row.Title, row.UserId, row.DueAt, daysLeft) { OccurredAt = now });
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (claimed.Count > 0)
        {
            LogPublished(claimed.Count, overdue ? "overdue" : "due soon");
        }
        return claimed.Count;
    }

    [LoggerMessage(LogLevel.Information, "Published {Count} {Kind} enrolment events")]
    private partial void LogPublished(int count, string kind);
}
