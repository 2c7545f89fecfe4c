using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace AnalyticsBench;

/// <summary>
/// Fills the fact tables of an analytics database with a synthetic data set, entirely inside PostgreSQL
/// (<c>INSERT … SELECT generate_series</c>: no row crosses the network). Ids are deterministic, so other tools can find
/// the same users, courses and departments again: learner n is <c>10000000-0000-4000-8000-{n:x12}</c>, author n
/// <c>11000000-…</c>, course n <c>20000000-…</c>, material n <c>30000000-…</c>, media n <c>40000000-…</c>; learner n is
/// in department <c>Department {n % departments + 1:00}</c>, and the first learner of each department is its manager.
/// Values come from <c>random()</c> after <c>setseed</c>, so a seed on the same PostgreSQL gives the same data.
/// </summary>
internal sealed class Seeder(SeedOptions options)
{
    /// <summary>The tables the seeder writes, emptied first with --truncate.</summary>
    public static readonly string[] Tables =
        ["users", "courses", "materials", "media", "enrolments", "material_completions", "activity_daily", "notification_deliveries"];

    public async Task<int> RunAsync()
    {
        await using var source = NpgsqlDataSource.Create(options.Connection);
        await using var connection = await source.OpenConnectionAsync();
        var learners = (options.Rows + options.Courses - 1) / options.Courses;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# seeding {connection.Database} on {connection.Host}:{connection.Port}: {options.Rows:N0} enrolments = {learners:N0} learners × {options.Courses} courses, {options.Departments} departments, {options.Materials} materials a course, {options.Days} days of activity"));

        var existing = await ScalarAsync<long>(connection, "SELECT count(*) FROM enrolments");
        if (existing > 0 && !options.Truncate)
        {
            Console.Error.WriteLine($"enrolments already holds {existing:N0} rows: pass --truncate to empty the fact tables first.");
            return 2;
        }

        var total = Stopwatch.StartNew();
        await ExecAsync(connection, "session", """
            SET synchronous_commit = off;
            SET work_mem = '256MB';
            SET maintenance_work_mem = '512MB';
            """);
        if (options.Truncate)
        {
            await StepAsync(connection, "truncate", $"TRUNCATE {string.Join(", ", Tables)}");
        }
        await ExecAsync(connection, "seed", $"SELECT setseed({options.Seed.ToString(CultureInfo.InvariantCulture)})");

        var p = new Dictionary<string, object>
        {
            ["learners"] = learners,
            ["rows"] = options.Rows,
            ["courses"] = options.Courses,
            ["materials"] = options.Materials,
            ["departments"] = options.Departments,
            ["authors"] = options.Authors,
            ["days"] = options.Days,
            ["activity"] = options.ActivityRatio,
            ["deliveries"] = options.Deliveries,
            ["now"] = DateTime.UtcNow,
        };

        await StepAsync(connection, "users", """
            INSERT INTO users (user_id, display_name, email, phone, department, time_zone, roles, status, registered_at, last_sign_in_at)
            SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                   'Learner ' || n, 'learner' || n || '@campus.test', '+7999' || lpad(n::text, 7, '0'),
                   'Department ' || lpad((n % @departments + 1)::text, 2, '0'), 'Europe/Moscow',
                   CASE WHEN n < @departments THEN ARRAY['student', 'manager'] ELSE ARRAY['student'] END,
                   CASE WHEN n % 500 = 499 THEN 'blocked' ELSE 'active' END,
                   @now - make_interval(days => @days + 30) + random() * interval '30 days',
                   @now - random() * interval '7 days'
            FROM generate_series(0, @learners - 1) AS n
            UNION ALL
            SELECT ('11000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                   'Author ' || n, 'author' || n || '@campus.test', NULL, 'Authors', 'Europe/Moscow',
                   ARRAY['author'], 'active', @now - make_interval(days => @days + 60), @now - interval '1 day'
            FROM generate_series(0, @authors - 1) AS n
            """, p);

        await StepAsync(connection, "courses", """
            INSERT INTO courses (course_id, title, author_id, state, created_at, published_at, version)
            SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'Course ' || (n + 1),
                   ('11000000-0000-4000-8000-' || lpad(to_hex(n % @authors), 12, '0'))::uuid, 'published',
                   @now - make_interval(days => @days + 20), @now - make_interval(days => @days + 10),
                   @now - make_interval(days => @days + 10)
            FROM generate_series(0, @courses - 1) AS n
            """, p);

        // Every fourth material is a video with its media file; the rest are text, link and document.
        await StepAsync(connection, "materials", """
            INSERT INTO materials (material_id, course_id, title, kind, published, media_id, position, version)
            SELECT ('30000000-0000-4000-8000-' || lpad(to_hex(c * @materials + k), 12, '0'))::uuid,
                   ('20000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, 'Material ' || (k + 1),
                   (ARRAY['text', 'link', 'document', 'video'])[k % 4 + 1], true,
                   CASE WHEN k % 4 = 3 THEN ('40000000-0000-4000-8000-' || lpad(to_hex(c * @materials + k), 12, '0'))::uuid END,
                   k, @now - make_interval(days => @days + 10)
            FROM generate_series(0, @courses - 1) AS c, generate_series(0, @materials - 1) AS k
            """, p);

        // The videos' media are ready (transcoded at some point of the period); besides them, uploads that failed and
        // some still processing.
        await StepAsync(connection, "media", """
            INSERT INTO media (media_id, owner_id, filename, state, duration_s, error, version)
            SELECT m.media_id, c.author_id, 'video-' || m.position || '.mp4', 'ready', 60 + random() * 1800, NULL,
                   @now - random() * make_interval(days => @days)
            FROM materials m JOIN courses c ON c.course_id = m.course_id
            WHERE m.media_id IS NOT NULL
            UNION ALL
            SELECT ('41000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                   ('11000000-0000-4000-8000-' || lpad(to_hex(n % @authors), 12, '0'))::uuid, 'upload-' || n || '.mp4',
                   CASE WHEN n % 5 = 0 THEN 'processing' ELSE 'failed' END, NULL,
                   CASE WHEN n % 5 = 0 THEN NULL ELSE 'ffmpeg exited with code 1' END,
                   @now - random() * make_interval(days => @days)
            FROM generate_series(0, @courses - 1) AS n
            """, p);

        // One row per learner × course: enrolled at some point of the period, 30 % assigned with a due date 30 days
        // later, about 45 % completed between 1 hour and 40 days after enrolling (not after now), the others part-way.
        await StepAsync(connection, "enrolments", """
            INSERT INTO enrolments (course_id, user_id, source, enrolled_at, due_at, done_materials, total_materials,
                                    completed_at, overdue_at, version)
            SELECT course_id, user_id, source, enrolled_at, due_at,
                   CASE WHEN completed_at IS NOT NULL THEN @materials ELSE least(@materials - 1, floor(progress * @materials)::int) END,
                   @materials, completed_at,
                   CASE WHEN completed_at IS NULL AND due_at < @now THEN due_at END,
                   coalesce(completed_at, enrolled_at)
            FROM (
                SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(i % @courses), 12, '0'))::uuid AS course_id,
                       ('10000000-0000-4000-8000-' || lpad(to_hex(i / @courses), 12, '0'))::uuid AS user_id,
                       CASE WHEN assigned THEN 'assigned' ELSE 'self' END AS source,
                       enrolled_at,
                       CASE WHEN assigned THEN enrolled_at + interval '30 days' END AS due_at,
                       CASE WHEN finished AND enrolled_at + took < @now THEN enrolled_at + took END AS completed_at,
                       progress
                FROM (
                    SELECT i, random() < 0.3 AS assigned, @now - random() * make_interval(days => @days) AS enrolled_at,
                           random() < 0.45 AS finished, interval '1 hour' + random() * random() * interval '40 days' AS took,
                           random() AS progress
                    FROM generate_series(0, @rows - 1) AS i) AS r) AS e
            """, p);

        if (options.MaterialCompletions)
        {
            // The first done_materials materials of each enrolment, done between enrolling and completing (or now).
            await StepAsync(connection, "material_completions", """
                INSERT INTO material_completions (user_id, material_id, course_id, completed_at)
                SELECT e.user_id, m.material_id, e.course_id,
                       e.enrolled_at + (coalesce(e.completed_at, @now) - e.enrolled_at) * ((m.position + 1)::float8 / e.done_materials)
                FROM enrolments e
                JOIN materials m ON m.course_id = e.course_id AND m.position < e.done_materials
                """, p);
        }

        // Each learner is active on about --activity of the days: sign-ins, materials done, chat messages.
        await StepAsync(connection, "activity_daily", """
            INSERT INTO activity_daily (user_id, day, sign_ins, materials_done, messages)
            SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, d::date,
                   1 + floor(random() * 3)::int, floor(random() * 4)::int, floor(random() * random() * 12)::int
            FROM generate_series(0, @learners - 1) AS n,
                 generate_series((@now::timestamptz AT TIME ZONE 'UTC')::date - (@days - 1), (@now::timestamptz AT TIME ZONE 'UTC')::date, interval '1 day') AS d
            WHERE random() < @activity
            """, p);

        await StepAsync(connection, "notification_deliveries", """
            INSERT INTO notification_deliveries (notification_id, user_id, type, channel, state, attempts, occurred_at)
            SELECT ('50000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                   ('10000000-0000-4000-8000-' || lpad(to_hex(floor(random() * @learners)::int), 12, '0'))::uuid,
                   (ARRAY['enrolment_assigned', 'due_soon', 'overdue', 'course_completed', 'chat_mention'])[1 + floor(random() * 5)::int],
                   CASE WHEN random() < 0.7 THEN 'email' ELSE 'telegram' END,
                   CASE WHEN random() < 0.97 THEN 'sent' ELSE 'failed' END,
                   1 + floor(random() * random() * 5)::int,
                   @now - random() * make_interval(days => @days)
            FROM generate_series(0, @deliveries - 1) AS n
            """, p);

        // VACUUM sets the visibility map, so the dashboard's index-only scans need not visit the heap.
        await StepAsync(connection, "vacuum analyze", $"VACUUM (ANALYZE) {string.Join(", ", Tables)}");

        var counts = new List<string>();
        foreach (var table in Tables)
        {
            var count = await ScalarAsync<long>(connection, $"SELECT count(*) FROM {table}");
            counts.Add(string.Create(CultureInfo.InvariantCulture, $"{table} {count:N0}"));
        }
        Console.WriteLine($"# rows: {string.Join(", ", counts)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded in {total.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }

    private static async Task StepAsync(NpgsqlConnection connection, string name, string sql, Dictionary<string, object>? parameters = null)
    {
        var clock = Stopwatch.StartNew();
        var rows = await ExecAsync(connection, name, sql, parameters);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-24} {(rows >= 0 ? $"{rows:N0} rows" : ""),-16} {clock.Elapsed.TotalSeconds,6:F1} s"));
    }

    private static async Task<int> ExecAsync(NpgsqlConnection connection, string name, string sql, Dictionary<string, object>? parameters = null)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (key, value) in parameters ?? [])
        {
            // Only what the statement uses: Npgsql sends every parameter of the command.
            if (sql.Contains('@' + key, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(key, value);
            }
        }
        try
        {
            return await command.ExecuteNonQueryAsync();
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException($"step {name} failed: {ex.MessageText}", ex);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The seeder's settings (see the usage in Program.cs).</summary>
internal sealed record SeedOptions(
    string Connection, int Rows, int Courses, int Materials, int Departments, int Authors, int Days, double ActivityRatio,
    int Deliveries, bool MaterialCompletions, bool Truncate, double Seed);
