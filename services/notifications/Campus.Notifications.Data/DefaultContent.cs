namespace Campus.Notifications.Data;

/// <summary>
/// The types and the Russian and English templates a fresh install starts with (seeded by the migrations with
/// <c>HasData</c>; admins may edit the templates afterwards). Values each type's templates get are listed in
/// services/notifications/README.md.
/// </summary>
internal static class DefaultContent
{
    private static readonly DateTimeOffset Seeded = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    public static readonly NotificationType[] Types =
    [
        new() { Key = NotificationTypes.EmailConfirmation, Description = "Confirm the e-mail address of an account", DefaultChannels = [Channels.Email], Critical = true },
        new() { Key = NotificationTypes.PasswordReset, Description = "Reset a forgotten password", DefaultChannels = [Channels.Email], Critical = true },
        new() { Key = NotificationTypes.MediaReady, Description = "An uploaded video is processed and ready", DefaultChannels = [Channels.Email, Channels.Telegram] },
        new() { Key = NotificationTypes.MediaFailed, Description = "An uploaded video could not be processed", DefaultChannels = [Channels.Email, Channels.Telegram] },
        new() { Key = NotificationTypes.CoursePublished, Description = "A new course is published", DefaultChannels = [Channels.Email, Channels.Telegram] },
        new() { Key = NotificationTypes.CourseAssigned, Description = "A course is assigned to you", DefaultChannels = [Channels.Email, Channels.Telegram] },
        new() { Key = NotificationTypes.CourseDueSoon, Description = "An assigned course is due in a few days", DefaultChannels = [Channels.Email, Channels.Telegram] },
        new() { Key = NotificationTypes.CourseOverdue, Description = "An assigned course is overdue", DefaultChannels = [Channels.Email, Channels.Telegram] },
        new() { Key = NotificationTypes.CourseCompleted, Description = "You completed a course", DefaultChannels = [Channels.Email, Channels.Telegram] },
        new() { Key = NotificationTypes.ReportReady, Description = "A report you requested is ready to download", DefaultChannels = [Channels.Email, Channels.Telegram] },
    ];

    public static readonly Template[] Templates =
    [
        Email(1, NotificationTypes.EmailConfirmation, Locales.Russian, "Подтвердите адрес электронной почты",
            "<p>Здравствуйте!</p><p>Чтобы подтвердить адрес {{email}} в Campus, перейдите по ссылке:</p>"
            + "<p><a href=\"{{link}}\">{{link}}</a></p><p>Ссылка действует до {{expires_at}}. Если вы не регистрировались, просто удалите это письмо.</p>"),
        Email(2, NotificationTypes.EmailConfirmation, Locales.English, "Confirm your e-mail address",
            "<p>Hello!</p><p>To confirm {{email}} for Campus, open this link:</p>"
            + "<p><a href=\"{{link}}\">{{link}}</a></p><p>The link works until {{expires_at}}. If you did not sign up, just delete this message.</p>"),
        Email(3, NotificationTypes.PasswordReset, Locales.Russian, "Сброс пароля",
            "<p>Здравствуйте!</p><p>Чтобы задать новый пароль для {{email}}, перейдите по ссылке:</p>"
            + "<p><a href=\"{{link}}\">{{link}}</a></p><p>Ссылка действует до {{expires_at}}. Если вы не просили сбросить пароль, ничего не делайте: пароль останется прежним.</p>"),
        Email(4, NotificationTypes.PasswordReset, Locales.English, "Reset your password",
            "<p>Hello!</p><p>To choose a new password for {{email}}, open this link:</p>"
            + "<p><a href=\"{{link}}\">{{link}}</a></p><p>The link works until {{expires_at}}. If you did not ask for a reset, do nothing: your password stays the same.</p>"),
        Email(5, NotificationTypes.MediaReady, Locales.Russian, "Видео «{{filename}}» готово",
            "<p>Видео «{{filename}}» обработано ({{duration}}, качество: {{renditions}}) и готово к публикации.</p>"),
        Email(6, NotificationTypes.MediaReady, Locales.English, "Video \"{{filename}}\" is ready",
            "<p>Your video \"{{filename}}\" is processed ({{duration}}, renditions: {{renditions}}) and ready to publish.</p>"),
        Telegram(7, NotificationTypes.MediaReady, Locales.Russian, "Видео «{{filename}}» обработано ({{duration}}, качество: {{renditions}}) и готово к публикации."),
        Telegram(8, NotificationTypes.MediaReady, Locales.English, "Your video \"{{filename}}\" is processed ({{duration}}, renditions: {{renditions}}) and ready to publish."),
        Email(9, NotificationTypes.MediaFailed, Locales.Russian, "Не удалось обработать видео «{{filename}}»",
            "<p>Видео «{{filename}}» не удалось обработать: {{error}}.</p><p>Проверьте файл и загрузите его снова.</p>"),
        Email(10, NotificationTypes.MediaFailed, Locales.English, "Video \"{{filename}}\" could not be processed",
            "<p>Your video \"{{filename}}\" could not be processed: {{error}}.</p><p>Check the file and upload it again.</p>"),
        Telegram(11, NotificationTypes.MediaFailed, Locales.Russian, "Видео «{{filename}}» не удалось обработать: {{error}}. Проверьте файл и загрузите его снова."),
        Telegram(12, NotificationTypes.MediaFailed, Locales.English, "Your video \"{{filename}}\" could not be processed: {{error}}. Check the file and upload it again."),
        Email(13, NotificationTypes.CoursePublished, Locales.Russian, "Новый курс: {{title}}",
            "<p>В Campus опубликован новый курс «{{title}}».</p><p><a href=\"{{link}}\">Открыть курс</a></p>"),
        Email(14, NotificationTypes.CoursePublished, Locales.English, "New course: {{title}}",
            "<p>A new course \"{{title}}\" is published on Campus.</p><p><a href=\"{{link}}\">Open the course</a></p>"),
        Telegram(15, NotificationTypes.CoursePublished, Locales.Russian, "Новый курс в Campus: «{{title}}»\n{{link}}"),
        Telegram(16, NotificationTypes.CoursePublished, Locales.English, "New course on Campus: \"{{title}}\"\n{{link}}"),
        Email(17, NotificationTypes.CourseAssigned, Locales.Russian, "Вам назначен курс «{{title}}»",
            "<p>Вам назначен курс «{{title}}».</p>{{#due_at}}<p>Пройдите его до {{due_at}}.</p>{{/due_at}}<p><a href=\"{{link}}\">Открыть курс</a></p>"),
        Email(18, NotificationTypes.CourseAssigned, Locales.English, "Course assigned: {{title}}",
            "<p>The course \"{{title}}\" is assigned to you.</p>{{#due_at}}<p>Please complete it by {{due_at}}.</p>{{/due_at}}<p><a href=\"{{link}}\">Open the course</a></p>"),
        Telegram(19, NotificationTypes.CourseAssigned, Locales.Russian, "Вам назначен курс «{{title}}»{{#due_at}}, срок — до {{due_at}}{{/due_at}}.\n{{link}}"),
        Telegram(20, NotificationTypes.CourseAssigned, Locales.English, "The course \"{{title}}\" is assigned to you{{#due_at}}, due by {{due_at}}{{/due_at}}.\n{{link}}"),
        Email(21, NotificationTypes.CourseDueSoon, Locales.Russian, "Срок курса «{{title}}» истекает через {{days_left}} дн.",
            "<p>Курс «{{title}}» нужно пройти до {{due_at}} (осталось дней: {{days_left}}).</p><p><a href=\"{{link}}\">Продолжить</a></p>"),
        Email(22, NotificationTypes.CourseDueSoon, Locales.English, "\"{{title}}\" is due in {{days_left}} day(s)",
            "<p>The course \"{{title}}\" is due by {{due_at}} ({{days_left}} day(s) left).</p><p><a href=\"{{link}}\">Continue</a></p>"),
        Telegram(23, NotificationTypes.CourseDueSoon, Locales.Russian, "Курс «{{title}}» нужно пройти до {{due_at}} (осталось дней: {{days_left}}).\n{{link}}"),
        Telegram(24, NotificationTypes.CourseDueSoon, Locales.English, "The course \"{{title}}\" is due by {{due_at}} ({{days_left}} day(s) left).\n{{link}}"),
        Email(25, NotificationTypes.CourseOverdue, Locales.Russian, "Курс «{{title}}» просрочен",
            "<p>Срок прохождения курса «{{title}}» истёк {{due_at}}, а курс не завершён.</p><p><a href=\"{{link}}\">Продолжить</a></p>"),
        Email(26, NotificationTypes.CourseOverdue, Locales.English, "Overdue: {{title}}",
            "<p>The course \"{{title}}\" was due by {{due_at}} and is not completed.</p><p><a href=\"{{link}}\">Continue</a></p>"),
        Telegram(27, NotificationTypes.CourseOverdue, Locales.Russian, "Срок курса «{{title}}» истёк {{due_at}}, а курс не завершён.\n{{link}}"),
        Telegram(28, NotificationTypes.CourseOverdue, Locales.English, "The course \"{{title}}\" was due by {{due_at}} and is not completed.\n{{link}}"),
        Email(29, NotificationTypes.CourseCompleted, Locales.Russian, "Курс «{{title}}» пройден",
            "<p>Поздравляем! Вы прошли курс «{{title}}» ({{completed_at}}).</p><p><a href=\"{{link}}\">Открыть курс</a></p>"),
        Email(30, NotificationTypes.CourseCompleted, Locales.English, "Course completed: {{title}}",
            "<p>Congratulations! You completed the course \"{{title}}\" ({{completed_at}}).</p><p><a href=\"{{link}}\">Open the course</a></p>"),
        Telegram(31, NotificationTypes.CourseCompleted, Locales.Russian, "Поздравляем! Вы прошли курс «{{title}}».\n{{link}}"),
        Telegram(32, NotificationTypes.CourseCompleted, Locales.English, "Congratulations! You completed the course \"{{title}}\".\n{{link}}"),
        Email(33, NotificationTypes.ReportReady, Locales.Russian, "Отчёт готов: {{file_name}}",
            "<p>Отчёт «{{file_name}}» ({{format}}) сформирован.</p><p><a href=\"{{link}}\">Скачать отчёт</a></p>"
            + "<p>Файл хранится ограниченное время; после этого закажите отчёт снова.</p>"),
        Email(34, NotificationTypes.ReportReady, Locales.English, "Report ready: {{file_name}}",
            "<p>Your report \"{{file_name}}\" ({{format}}) is ready.</p><p><a href=\"{{link}}\">Download the report</a></p>"
            + "<p>The file is kept for a limited time; after that, request the report again.</p>"),
        Telegram(35, NotificationTypes.ReportReady, Locales.Russian, "Отчёт «{{file_name}}» ({{format}}) готов.\n{{link}}"),
        Telegram(36, NotificationTypes.ReportReady, Locales.English, "Your report \"{{file_name}}\" ({{format}}) is ready.\n{{link}}"),
    ];

    private static Template Email(int n, string type, string locale, string subject, string body) => new()
    {
        Id = SeedId(n), TypeKey = type, Channel = Channels.Email, Locale = locale, Subject = subject, Body = body, UpdatedAt = Seeded,
    };

    private static Template Telegram(int n, string type, string locale, string body) => new()
    {
        Id = SeedId(n), TypeKey = type, Channel = Channels.Telegram, Locale = locale, Body = body, UpdatedAt = Seeded,
    };

    // Fixed ids: HasData compares seeds by key, so they must be the same on every model build.
    private static Guid SeedId(int n) => Guid.Parse($"5eed0000-0000-0000-0000-{n:D12}");
}
