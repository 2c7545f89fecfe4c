namespace Campus.Analytics.Reports;

/// <summary>How a column's values are read from the query and written to the files.</summary>
public enum ColumnKind
{
    /// <summary>text</summary>
    Text,
    /// <summary>bigint, a whole number</summary>
    Integer,
    /// <summary>float8 with one decimal</summary>
    Number,
    /// <summary>float8 fraction 0..1 shown as a percentage</summary>
    Percent,
    /// <summary>date</summary>
    Date,
    /// <summary>timestamptz, shown in the requester's zone</summary>
    DateTime,
    /// <summary>a text code shown through <see cref="ReportColumn.Labels"/></summary>
    Code,
}

/// <summary>Russian and English text.</summary>
public sealed record Text(string Ru, string En)
{
    public string In(string locale) => locale == "en" ? En : Ru;
}

/// <summary>One column: header in both languages, kind, width in characters (XLSX) and relative width (PDF).</summary>
public sealed record ReportColumn(Text Header, ColumnKind Kind, double Width, IReadOnlyDictionary<string, Text>? Labels = null)
{
    public string Label(string code, string locale) => Labels is not null && Labels.TryGetValue(code, out var label) ? label.In(locale) : code;
}

/// <summary>The PDF's summary chart: rows counted (or <see cref="ValueColumn"/> summed) per value of <see cref="CategoryColumn"/>.</summary>
public sealed record ReportChart(Text Title, int CategoryColumn, int? ValueColumn);

/// <summary>
/// One report type. <see cref="Sql"/> reads only analytics' own fact tables and takes the parameters
/// <c>@from</c>/<c>@to</c> (timestamptz, the requested days in the requester's zone, <c>@to</c> exclusive),
/// <c>@from_day</c>/<c>@to_day</c> (date, both included), <c>@department</c>, <c>@course</c>, <c>@now</c> and
/// <c>@zone</c> (the IANA id of the report's time zone); a null parameter does not filter.
/// </summary>
public sealed record ReportDefinition(string Type, Text Title, Text DateFilter, IReadOnlyList<ReportColumn> Columns, string Sql, ReportChart Chart)
{
    /// <summary>The number of rows <see cref="Sql"/> answers, without its sort (the progress's denominator).</summary>
    public string CountSql
    {
        get
        {
            var order = Sql.LastIndexOf("ORDER BY", StringComparison.Ordinal);
            return $"SELECT count(*) FROM ({(order < 0 ? Sql : Sql[..order])}) AS report";
        }
    }
}

/// <summary>The six report types.</summary>
public static class ReportCatalog
{
    public const string CourseCompletion = "course_completion";
    public const string LearnerProgress = "learner_progress";
    public const string OverdueAssignments = "overdue_assignments";
    public const string Activity = "activity";
    public const string ContentInventory = "content_inventory";
    public const string NotificationDelivery = "notification_delivery";

    private static readonly Dictionary<string, Text> States = new()
    {
        ["not_started"] = new("Не начат", "Not started"),
        ["in_progress"] = new("В процессе", "In progress"),
        ["completed"] = new("Завершён", "Completed"),
        ["overdue"] = new("Просрочен", "Overdue"),
    };

    private static readonly Dictionary<string, Text> CourseStates = new()
    {
        ["draft"] = new("Черновик", "Draft"),
        ["published"] = new("Опубликован", "Published"),
        ["archived"] = new("В архиве", "Archived"),
        ["deleted"] = new("Удалён", "Deleted"),
    };

    private static readonly Dictionary<string, Text> Kinds = new()
    {
        ["text"] = new("Текст", "Text"),
        ["link"] = new("Ссылка", "Link"),
        ["document"] = new("Документ", "Document"),
        ["video"] = new("Видео", "Video"),
        ["none"] = new("Нет материалов", "No materials"),
    };

    private static readonly Dictionary<string, Text> MediaStates = new()
    {
        ["processing"] = new("Обрабатывается", "Processing"),
        ["ready"] = new("Готово", "Ready"),
        ["failed"] = new("Ошибка", "Failed"),
    };

    private static readonly Dictionary<string, Text> YesNo = new()
    {
        ["yes"] = new("Да", "Yes"),
        ["no"] = new("Нет", "No"),
    };

    private static readonly Dictionary<string, Text> Channels = new()
    {
        ["email"] = new("E-mail", "E-mail"),
        ["telegram"] = new("Telegram", "Telegram"),
    };

    private static readonly Text Learner = new("Слушатель", "Learner");
    private static readonly Text Email = new("E-mail", "E-mail");
    private static readonly Text Department = new("Подразделение", "Department");
    private static readonly Text Course = new("Курс", "Course");

    // Enrolments of learners in scope: the department is the learner's (from the profile), a null parameter takes all.
    private const string EnrolmentFilter = """
        (@department::text IS NULL OR u.department = @department)
        AND (@course::uuid IS NULL OR e.course_id = @course)
        """;

    private const string ProgressState = """
        CASE WHEN e.completed_at IS NOT NULL THEN 'completed'
             WHEN e.due_at < @now THEN 'overdue'
             WHEN e.done_materials > 0 THEN 'in_progress'
             ELSE 'not_started' END
        """;

    private const string ProgressFraction = """
        CASE WHEN e.completed_at IS NOT NULL THEN 1.0
             WHEN e.total_materials > 0 THEN floor(e.done_materials * 100.0 / e.total_materials) / 100.0
             ELSE 0.0 END::float8
        """;

    public static readonly IReadOnlyList<ReportDefinition> All =
    [
        new(CourseCompletion, new("Завершение курсов", "Course completion"), new("дата записи", "enrolment date"),
            [
                new(Course, ColumnKind.Text, 40),
                new(new("Записано", "Enrolled"), ColumnKind.Integer, 12),
                new(new("В процессе", "In progress"), ColumnKind.Integer, 12),
                new(new("Завершили", "Completed"), ColumnKind.Integer, 12),
                new(new("Просрочено", "Overdue"), ColumnKind.Integer, 12),
                new(new("Доля завершения", "Completion rate"), ColumnKind.Percent, 16),
            ],
            $"""
            SELECT c.title,
                   count(*)::bigint,
                   count(*) FILTER (WHERE e.completed_at IS NULL AND e.done_materials > 0 AND (e.due_at IS NULL OR e.due_at >= @now))::bigint,
                   count(*) FILTER (WHERE e.completed_at IS NOT NULL)::bigint,
                   count(*) FILTER (WHERE e.completed_at IS NULL AND e.due_at < @now)::bigint,
                   (count(*) FILTER (WHERE e.completed_at IS NOT NULL))::float8 / count(*)
            FROM enrolments e
            JOIN courses c ON c.course_id = e.course_id
            LEFT JOIN users u ON u.user_id = e.user_id
            WHERE {EnrolmentFilter}
              AND (@from::timestamptz IS NULL OR e.enrolled_at >= @from)
              AND (@to::timestamptz IS NULL OR e.enrolled_at < @to)
            GROUP BY c.course_id, c.title
            ORDER BY c.title, c.course_id
            """,
            new(new("Завершили по курсам", "Completions by course"), 0, 3)),

        new(LearnerProgress, new("Прогресс слушателей", "Learner progress"), new("дата записи", "enrolment date"),
            [
                new(Learner, ColumnKind.Text, 30),
                new(Email, ColumnKind.Text, 28),
                new(Department, ColumnKind.Text, 20),
                new(Course, ColumnKind.Text, 34),
                new(new("Состояние", "State"), ColumnKind.Code, 14, States),
                new(new("Прогресс", "Progress"), ColumnKind.Percent, 13),
                new(new("Записан", "Enrolled"), ColumnKind.DateTime, 21),
                new(new("Срок", "Due"), ColumnKind.DateTime, 21),
                new(new("Завершён", "Completed"), ColumnKind.DateTime, 21),
            ],
            $"""
            SELECT coalesce(u.display_name, u.email, e.user_id::text),
                   u.email,
                   u.department,
                   c.title,
                   {ProgressState},
                   {ProgressFraction},
                   e.enrolled_at,
                   e.due_at,
                   e.completed_at
            FROM enrolments e
            JOIN courses c ON c.course_id = e.course_id
            LEFT JOIN users u ON u.user_id = e.user_id
            WHERE {EnrolmentFilter}
              AND (@from::timestamptz IS NULL OR e.enrolled_at >= @from)
              AND (@to::timestamptz IS NULL OR e.enrolled_at < @to)
            ORDER BY 1, c.title, e.user_id, e.course_id
            """,
            new(new("Слушатели по состоянию", "Learners by state"), 4, null)),

        // Overdue as content and the other reports say it: the due instant (a due day is its end in the learner's zone)
        // has passed. Days overdue are calendar days from the due date to the day the report is made, both in the
        // report's zone (the dates the file shows): due on the 5th, made on the 6th, 1 day.
        new(OverdueAssignments, new("Просроченные назначения", "Overdue assignments"), new("срок", "due date"),
            [
                new(Learner, ColumnKind.Text, 30),
                new(Email, ColumnKind.Text, 28),
                new(Department, ColumnKind.Text, 20),
                new(Course, ColumnKind.Text, 34),
                new(new("Срок", "Due"), ColumnKind.DateTime, 21),
                new(new("Дней просрочки", "Days overdue"), ColumnKind.Integer, 14),
                new(new("Прогресс", "Progress"), ColumnKind.Percent, 13),
            ],
            $"""
            SELECT coalesce(u.display_name, u.email, e.user_id::text),
                   u.email,
                   u.department,
                   c.title,
                   e.due_at,
                   ((@now AT TIME ZONE @zone)::date - (e.due_at AT TIME ZONE @zone)::date)::bigint,
                   {ProgressFraction}
            FROM enrolments e
            JOIN courses c ON c.course_id = e.course_id
            LEFT JOIN users u ON u.user_id = e.user_id
            WHERE e.completed_at IS NULL AND e.due_at < @now
              AND {EnrolmentFilter}
              AND (@from::timestamptz IS NULL OR e.due_at >= @from)
              AND (@to::timestamptz IS NULL OR e.due_at < @to)
            ORDER BY e.due_at, 1, e.user_id, e.course_id
            """,
            new(new("Просрочки по курсам", "Overdue by course"), 3, null)),

        // A row per learner with activity on the range's days (activity_daily keeps UTC days: they are compared with
        // the report's days as they are); a learner without any has none. The last sign-in is the learner's last one,
        // whenever it was.
        new(Activity, new("Активность слушателей", "Learner activity"), new("день активности", "activity day"),
            [
                new(Learner, ColumnKind.Text, 30),
                new(Email, ColumnKind.Text, 28),
                new(Department, ColumnKind.Text, 20),
                new(new("Входы", "Sign-ins"), ColumnKind.Integer, 10),
                new(new("Пройдено материалов", "Materials done"), ColumnKind.Integer, 14),
                new(new("Сообщения", "Messages"), ColumnKind.Integer, 12),
                new(new("Последний вход", "Last sign-in"), ColumnKind.DateTime, 21),
            ],
            """
            SELECT coalesce(u.display_name, u.email, u.user_id::text),
                   u.email,
                   u.department,
                   sum(a.sign_ins)::bigint,
                   sum(a.materials_done)::bigint,
                   sum(a.messages)::bigint,
                   u.last_sign_in_at
            FROM users u
            JOIN activity_daily a ON a.user_id = u.user_id
                 AND (@from_day::date IS NULL OR a.day >= @from_day)
                 AND (@to_day::date IS NULL OR a.day <= @to_day)
            WHERE u.status = 'active'
              AND (@department::text IS NULL OR u.department = @department)
              AND (@course::uuid IS NULL OR EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = u.user_id AND e.course_id = @course))
            GROUP BY u.user_id
            ORDER BY 1, u.user_id
            """,
            new(new("Пройдено материалов по подразделениям", "Materials done by department"), 2, 4)),

        new(ContentInventory, new("Состав контента", "Content inventory"), new("дата создания курса", "course creation date"),
            [
                new(Course, ColumnKind.Text, 34),
                new(new("Состояние курса", "Course state"), ColumnKind.Code, 14, CourseStates),
                new(new("Материал", "Material"), ColumnKind.Text, 34),
                new(new("Тип", "Kind"), ColumnKind.Code, 12, Kinds),
                new(new("Опубликован", "Published"), ColumnKind.Code, 12, YesNo),
                new(new("Видеофайл", "Video file"), ColumnKind.Text, 26),
                new(new("Длительность, мин", "Duration, min"), ColumnKind.Number, 14),
                new(new("Обработка видео", "Transcoding"), ColumnKind.Code, 16, MediaStates),
            ],
            """
            SELECT c.title,
                   c.state,
                   m.title,
                   coalesce(m.kind, 'none'),
                   CASE WHEN m.material_id IS NULL THEN NULL WHEN m.published THEN 'yes' ELSE 'no' END,
                   md.filename,
                   (md.duration_s / 60.0)::float8,
                   md.state
            FROM courses c
            LEFT JOIN materials m ON m.course_id = c.course_id
            LEFT JOIN media md ON md.media_id = m.media_id
            WHERE c.state <> 'deleted'
              AND (@course::uuid IS NULL OR c.course_id = @course)
              AND (@from::timestamptz IS NULL OR c.created_at >= @from)
              AND (@to::timestamptz IS NULL OR c.created_at < @to)
              AND (@department::text IS NULL OR TRUE)
            ORDER BY c.title, c.course_id, m.position, m.material_id
            """,
            new(new("Материалы по типам", "Materials by kind"), 3, null)),

        new(NotificationDelivery, new("Доставка уведомлений", "Notification delivery"), new("дата отправки", "delivery date"),
            [
                new(new("Тип уведомления", "Notification type"), ColumnKind.Text, 28),
                new(new("Канал", "Channel"), ColumnKind.Code, 12, Channels),
                new(new("Доставлено", "Sent"), ColumnKind.Integer, 12),
                new(new("Не доставлено", "Failed"), ColumnKind.Integer, 14),
                new(new("Повторные попытки", "Retries"), ColumnKind.Integer, 16),
            ],
            """
            SELECT d.type,
                   d.channel,
                   count(*) FILTER (WHERE d.state = 'sent')::bigint,
                   count(*) FILTER (WHERE d.state = 'failed')::bigint,
                   coalesce(sum(greatest(d.attempts - 1, 0)), 0)::bigint
            FROM notification_deliveries d
            LEFT JOIN users u ON u.user_id = d.user_id
            WHERE (@department::text IS NULL OR u.department = @department)
              AND (@from::timestamptz IS NULL OR d.occurred_at >= @from)
              AND (@to::timestamptz IS NULL OR d.occurred_at < @to)
              AND (@course::uuid IS NULL OR TRUE)
            GROUP BY d.type, d.channel
            ORDER BY d.type, d.channel
            """,
            new(new("Доставлено по каналам", "Sent by channel"), 1, 2)),
    ];

    private static readonly Dictionary<string, ReportDefinition> ByType = All.ToDictionary(d => d.Type, StringComparer.Ordinal);

    public static IReadOnlyList<string> Types { get; } = [.. All.Select(d => d.Type)];

    public static ReportDefinition? Find(string? type) => type is not null && ByType.TryGetValue(type, out var definition) ? definition : null;
}
