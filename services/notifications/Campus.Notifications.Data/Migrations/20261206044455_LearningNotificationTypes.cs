using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Campus.Notifications.Data.Migrations
{
    /// <inheritdoc />
    public partial class LearningNotificationTypes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.InsertData(
                table: "notification_types",
                columns: new[] { "key", "critical", "default_channels", "description" },
                values: new object[,]
                {
                    { "course_assigned", false, new[] { "email", "telegram" }, "A course is assigned to you" },
                    { "course_completed", false, new[] { "email", "telegram" }, "You completed a course" },
                    { "course_due_soon", false, new[] { "email", "telegram" }, "An assigned course is due in a few days" },
                    { "course_overdue", false, new[] { "email", "telegram" }, "An assigned course is overdue" }
                });

            migrationBuilder.InsertData(
                table: "templates",
                columns: new[] { "id", "body", "channel", "locale", "subject", "type_key", "updated_at" },
                values: new object[,]
                {
                    { new Guid("5eed0000-0000-0000-0000-000000000017"), "<p>Вам назначен курс «{{title}}».</p>{{#due_at}}<p>Пройдите его до {{due_at}}.</p>{{/due_at}}<p><a href=\"{{link}}\">Открыть курс</a></p>", "email", "ru", "Вам назначен курс «{{title}}»", "course_assigned", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000018"), "<p>The course \"{{title}}\" is assigned to you.</p>{{#due_at}}<p>Please complete it by {{due_at}}.</p>{{/due_at}}<p><a href=\"{{link}}\">Open the course</a></p>", "email", "en", "Course assigned: {{title}}", "course_assigned", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000019"), "Вам назначен курс «{{title}}»{{#due_at}}, срок — до {{due_at}}{{/due_at}}.\n{{link}}", "telegram", "ru", null, "course_assigned", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000020"), "The course \"{{title}}\" is assigned to you{{#due_at}}, due by {{due_at}}{{/due_at}}.\n{{link}}", "telegram", "en", null, "course_assigned", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000021"), "<p>Курс «{{title}}» нужно пройти до {{due_at}} (осталось дней: {{days_left}}).</p><p><a href=\"{{link}}\">Продолжить</a></p>", "email", "ru", "Срок курса «{{title}}» истекает через {{days_left}} дн.", "course_due_soon", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000022"), "<p>The course \"{{title}}\" is due by {{due_at}} ({{days_left}} day(s) left).</p><p><a href=\"{{link}}\">Continue</a></p>", "email", "en", "\"{{title}}\" is due in {{days_left}} day(s)", "course_due_soon", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000023"), "Курс «{{title}}» нужно пройти до {{due_at}} (осталось дней: {{days_left}}).\n{{link}}", "telegram", "ru", null, "course_due_soon", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000024"), "The course \"{{title}}\" is due by {{due_at}} ({{days_left}} day(s) left).\n{{link}}", "telegram", "en", null, "course_due_soon", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000025"), "<p>Срок прохождения курса «{{title}}» истёк {{due_at}}, а курс не завершён.</p><p><a href=\"{{link}}\">Продолжить</a></p>", "email", "ru", "Курс «{{title}}» просрочен", "course_overdue", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000026"), "<p>The course \"{{title}}\" was due by {{due_at}} and is not completed.</p><p><a href=\"{{link}}\">Continue</a></p>", "email", "en", "Overdue: {{title}}", "course_overdue", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000027"), "Срок курса «{{title}}» истёк {{due_at}}, а курс не завершён.\n{{link}}", "telegram", "ru", null, "course_overdue", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000028"), "The course \"{{title}}\" was due by {{due_at}} and is not completed.\n{{link}}", "telegram", "en", null, "course_overdue", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000029"), "<p>Поздравляем! Вы прошли курс «{{title}}» ({{completed_at}}).</p><p><a href=\"{{link}}\">Открыть курс</a></p>", "email", "ru", "Курс «{{title}}» пройден", "course_completed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000030"), "<p>Congratulations! You completed the course \"{{title}}\" ({{completed_at}}).</p><p><a href=\"{{link}}\">Open the course</a></p>", "email", "en", "Course completed: {{title}}", "course_completed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000031"), "Поздравляем! Вы прошли курс «{{title}}».\n{{link}}", "telegram", "ru", null, "course_completed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000032"), "Congratulations! You completed the course \"{{title}}\".\n{{link}}", "telegram", "en", null, "course_completed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000017"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000018"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000019"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000020"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000021"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000022"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000023"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000024"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000025"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000026"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000027"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000028"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000029"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000030"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000031"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000032"));

            migrationBuilder.DeleteData(
                table: "notification_types",
                keyColumn: "key",
                keyValue: "course_assigned");

            migrationBuilder.DeleteData(
                table: "notification_types",
                keyColumn: "key",
                keyValue: "course_completed");

            migrationBuilder.DeleteData(
                table: "notification_types",
                keyColumn: "key",
                keyValue: "course_due_soon");

            migrationBuilder.DeleteData(
                table: "notification_types",
                keyColumn: "key",
                keyValue: "course_overdue");
        }
    }
}
