using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Campus.Notifications.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReportReadyType : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.InsertData(
                table: "notification_types",
                columns: new[] { "key", "critical", "default_channels", "description" },
                values: new object[] { "report_ready", false, new[] { "email", "telegram" }, "A report you requested is ready to download" });

            migrationBuilder.InsertData(
                table: "templates",
                columns: new[] { "id", "body", "channel", "locale", "subject", "type_key", "updated_at" },
                values: new object[,]
                {
                    { new Guid("5eed0000-0000-0000-0000-000000000033"), "<p>Отчёт «{{file_name}}» ({{format}}) сформирован.</p><p><a href=\"{{link}}\">Скачать отчёт</a></p><p>Файл хранится ограниченное время; после этого закажите отчёт снова.</p>", "email", "ru", "Отчёт готов: {{file_name}}", "report_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000034"), "<p>Your report \"{{file_name}}\" ({{format}}) is ready.</p><p><a href=\"{{link}}\">Download the report</a></p><p>The file is kept for a limited time; after that, request the report again.</p>", "email", "en", "Report ready: {{file_name}}", "report_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000035"), "Отчёт «{{file_name}}» ({{format}}) готов.\n{{link}}", "telegram", "ru", null, "report_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000036"), "Your report \"{{file_name}}\" ({{format}}) is ready.\n{{link}}", "telegram", "en", null, "report_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000033"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000034"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000035"));

            migrationBuilder.DeleteData(
                table: "templates",
                keyColumn: "id",
                keyValue: new Guid("5eed0000-0000-0000-0000-000000000036"));

            migrationBuilder.DeleteData(
                table: "notification_types",
                keyColumn: "key",
                keyValue: "report_ready");
        }
    }
}
