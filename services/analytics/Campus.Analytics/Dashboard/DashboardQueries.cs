using System.Text.RegularExpressions;
using Campus.Analytics.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Analytics.Dashboard;

/// <summary>
/// The dashboard's SQL: four aggregate queries over the fact tables (daily series, summary, top courses, deliveries),
/// nothing loaded row by row. A department scope joins <c>users</c> on the fact's user (the owner for media); without
/// one the join is left out, so both shapes get their own plan.
/// </summary>
internal static partial class DashboardQueries
{
    public static async Task<DashboardResponse> ReadAsync(
        AnalyticsDbContext db, Period period, string? department, DateTimeOffset now, CancellationToken ct)
    {
        // The SQL below is constant text; /*scope alias [column]*/ becomes the department join (or nothing), and
        // every value travels as a parameter.
        string Sql(string template) => ScopeMarker().Replace(template, match => department is null
            ? ""
            : $"JOIN users u_{match.Groups[1].Value} ON u_{match.Groups[1].Value}.user_id = {match.Groups[1].Value}.{(match.Groups[2].Success ? match.Groups[2].Value : "user_id")} AND u_{match.Groups[1].Value}.department = @department");

        // A command owns its parameters, so each query gets its own.
        object[] Parameters() => department is null
            ? [.. Common()]
            : [.. Common(), new NpgsqlParameter("department", department)];
        NpgsqlParameter[] Common() =>
        [
            new("from", period.From),
            new("to", period.To),
            new("first_day", period.FirstDay),
            new("last_day", period.LastDay),
            new("now", now),
        ];

        // Day by day: what was enrolled (and of that, what is completed), completed (and how long it took), who was
        // active and how many chat messages were posted. The period's totals are the sums of its days.
        var daily = await db.Database.SqlQueryRaw<DailyRow>(Sql(
            """
            WITH days AS (
                SELECT @first_day::date + i AS day FROM generate_series(0, @last_day::date - @first_day::date) AS i),
            enrolled AS (
                SELECT (e.enrolled_at AT TIME ZONE 'UTC')::date AS day, count(*) AS enrolments,
                       count(*) FILTER (WHERE e.completed_at IS NOT NULL) AS enrolled_completed
                FROM enrolments e /*scope e*/
                WHERE e.enrolled_at >= @from AND e.enrolled_at < @to
                GROUP BY 1),
            completed AS (
                SELECT (e.completed_at AT TIME ZONE 'UTC')::date AS day, count(*) AS completions,
                       count(e.enrolled_at) AS timed_completions,
                       coalesce(sum(extract(epoch FROM e.completed_at - e.enrolled_at)), 0)::float8 AS completion_seconds
                FROM enrolments e /*scope e*/
                WHERE e.completed_at >= @from AND e.completed_at < @to
                GROUP BY 1),
            active AS (
                SELECT a.day, count(*) AS active_learners, coalesce(sum(a.messages), 0)::bigint AS messages
                FROM activity_daily a /*scope a*/
                WHERE a.day BETWEEN @first_day AND @last_day
                GROUP BY a.day)
            SELECT days.day,
                   coalesce(enrolled.enrolments, 0) AS enrolments,
                   coalesce(enrolled.enrolled_completed, 0) AS enrolled_completed,
                   coalesce(completed.completions, 0) AS completions,
                   coalesce(completed.timed_completions, 0) AS timed_completions,
                   coalesce(completed.completion_seconds, 0) AS completion_seconds,
                   coalesce(active.active_learners, 0) AS active_learners,
                   coalesce(active.messages, 0) AS messages
            FROM days
            LEFT JOIN enrolled USING (day)
            LEFT JOIN completed USING (day)
            LEFT JOIN active USING (day)
            ORDER BY days.day
            """), Parameters()).ToListAsync(ct);

        // Figures that are not sums of days: distinct users over windows, what is overdue now, the media pipeline.
        var summary = await db.Database.SqlQueryRaw<SummaryRow>(Sql(
            """
            SELECT
                active.active_week, active.active_month, active.active_chatters,
                (SELECT count(*) FROM enrolments e /*scope e*/
                 WHERE e.completed_at IS NULL AND e.due_at < @now) AS overdue,
                (SELECT count(*) FROM media m /*scope m owner_id*/ WHERE m.state = 'processing') AS media_processing,
                (SELECT count(*) FROM media m /*scope m owner_id*/
                 WHERE m.state = 'ready' AND m.version >= @from AND m.version < @to) AS media_ready,
                (SELECT count(*) FROM media m /*scope m owner_id*/
                 WHERE m.state = 'failed' AND m.version >= @from AND m.version < @to) AS media_failed
            FROM (
                -- One pass over the days from the 30-day window's first (or the period's, if earlier) to the last:
                -- each user's last active day, and whether they posted in the period.
                SELECT count(*) FILTER (WHERE x.last_active > @last_day - 7) AS active_week,
                       count(*) FILTER (WHERE x.last_active > @last_day - 30) AS active_month,
                       count(*) FILTER (WHERE x.chatted) AS active_chatters
                FROM (
                    SELECT a.user_id, max(a.day) AS last_active, bool_or(a.messages > 0 AND a.day >= @first_day) AS chatted
                    FROM activity_daily a /*scope a*/
                    WHERE a.day > least(@first_day - 1, @last_day - 30) AND a.day <= @last_day
                    GROUP BY a.user_id) AS x) AS active
            """), Parameters()).SingleAsync(ct);

        var top = await db.Database.SqlQueryRaw<TopCourseRow>(Sql(
            """
            SELECT t.course_id, c.title, t.completions
            FROM (
                SELECT e.course_id, count(*) AS completions
                FROM enrolments e /*scope e*/
                WHERE e.completed_at >= @from AND e.completed_at < @to
                GROUP BY e.course_id
                ORDER BY completions DESC, e.course_id
                LIMIT 10) AS t
            LEFT JOIN courses c ON c.course_id = t.course_id
            ORDER BY t.completions DESC, t.course_id
            """), Parameters()).ToListAsync(ct);

        var deliveries = await db.Database.SqlQueryRaw<ChannelRow>(Sql(
            """
            SELECT n.channel, count(*) FILTER (WHERE n.state = 'sent') AS sent, count(*) FILTER (WHERE n.state = 'failed') AS failed
            FROM notification_deliveries n /*scope n*/
            WHERE n.occurred_at >= @from AND n.occurred_at < @to
            GROUP BY n.channel
            ORDER BY n.channel
            """), Parameters()).ToListAsync(ct);

        var enrolments = daily.Sum(d => d.Enrolments);
        var completions = daily.Sum(d => d.Completions);
        // A partial row (its create not arrived yet) has no enrolled_at: counted as a completion, not timed.
        var timed = daily.Sum(d => d.TimedCompletions);
        return new DashboardResponse(
            period.From, period.To, department, now,
            new ActiveLearners(summary.ActiveWeek, summary.ActiveMonth),
            enrolments,
            completions,
            enrolments == 0 ? null : Math.Round((double)daily.Sum(d => d.EnrolledCompleted) / enrolments, 4),
            summary.Overdue,
            timed == 0 ? null : Math.Round(daily.Sum(d => d.CompletionSeconds) / timed / 3600, 2),
            [.. top.Select(t => new TopCourse(t.CourseId, t.Title, t.Completions))],
            new MediaPipeline(summary.MediaProcessing, summary.MediaReady, summary.MediaFailed),
            [.. deliveries.Select(d => new ChannelDeliveries(d.Channel, d.Sent, d.Failed))],
            new ChatActivity(daily.Sum(d => d.Messages), summary.ActiveChatters),
            [.. daily.Select(d => new DailyPoint(d.Day, d.Enrolments, d.Completions, d.ActiveLearners, d.Messages))]);
    }

    [GeneratedRegex(@"/\*scope (\w+)(?: (\w+))?\*/")]
    private static partial Regex ScopeMarker();

    private sealed class DailyRow
    {
        public DateOnly Day { get; init; }
        public long Enrolments { get; init; }
        public long EnrolledCompleted { get; init; }
        public long Completions { get; init; }
        public long TimedCompletions { get; init; }
        public double CompletionSeconds { get; init; }
        public long ActiveLearners { get; init; }
        public long Messages { get; init; }
    }

    private sealed class SummaryRow
    {
        public long ActiveWeek { get; init; }
        public long ActiveMonth { get; init; }
        public long ActiveChatters { get; init; }
        public long Overdue { get; init; }
        public long MediaProcessing { get; init; }
        public long MediaReady { get; init; }
        public long MediaFailed { get; init; }
    }

    private sealed class TopCourseRow
    {
        public Guid CourseId { get; init; }
        public string? Title { get; init; }
        public long Completions { get; init; }
    }

    private sealed class ChannelRow
    {
        public string Channel { get; init; } = "";
        public long Sent { get; init; }
        public long Failed { get; init; }
    }
}
