using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Campus.Notifications.Data.Migrations
{
    /// <inheritdoc />
    public partial class Notifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "contacts",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    telegram_chat_id = table.Column<long>(type: "bigint", nullable: true),
                    telegram_username = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    locale = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false, defaultValue: "ru"),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_contacts", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "notification_types",
                columns: table => new
                {
                    key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    description = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    default_channels = table.Column<string[]>(type: "text[]", nullable: false),
                    critical = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_types", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "notifications",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    type_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    recipient = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    subject = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    body = table.Column<string>(type: "text", nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    idempotency_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notifications", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "telegram_link_codes",
                columns: table => new
                {
                    code_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_telegram_link_codes", x => x.code_hash);
                });

            migrationBuilder.CreateTable(
                name: "templates",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    type_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    locale = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    subject = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    body = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_templates", x => x.id);
                    table.ForeignKey(
                        name: "fk_templates_notification_types_type_key",
                        column: x => x.type_key,
                        principalTable: "notification_types",
                        principalColumn: "key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "user_settings",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    type_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_user_settings", x => new { x.user_id, x.type_key, x.channel });
                    table.ForeignKey(
                        name: "fk_user_settings_notification_types_type_key",
                        column: x => x.type_key,
                        principalTable: "notification_types",
                        principalColumn: "key",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "notification_types",
                columns: new[] { "key", "critical", "default_channels", "description" },
                values: new object[,]
                {
                    { "course_published", false, new[] { "email", "telegram" }, "A new course is published" },
                    { "email_confirmation", true, new[] { "email" }, "Confirm the e-mail address of an account" },
                    { "media_failed", false, new[] { "email", "telegram" }, "An uploaded video could not be processed" },
                    { "media_ready", false, new[] { "email", "telegram" }, "An uploaded video is processed and ready" },
                    { "password_reset", true, new[] { "email" }, "Reset a forgotten password" }
                });

            migrationBuilder.InsertData(
                table: "templates",
                columns: new[] { "id", "body", "channel", "locale", "subject", "type_key", "updated_at" },
                values: new object[,]
                {
                    { new Guid("5eed0000-0000-0000-0000-000000000001"), "<p>Здравствуйте!</p><p>Чтобы подтвердить адрес {{email}} в Campus, перейдите по ссылке:</p><p><a href=\"{{link}}\">{{link}}</a></p><p>Ссылка действует до {{expires_at}}. Если вы не регистрировались, просто удалите это письмо.</p>", "email", "ru", "Подтвердите адрес электронной почты", "email_confirmation", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000002"), "<p>Hello!</p><p>To confirm {{email}} for Campus, open this link:</p><p><a href=\"{{link}}\">{{link}}</a></p><p>The link works until {{expires_at}}. If you did not sign up, just delete this message.</p>", "email", "en", "Confirm your e-mail address", "email_confirmation", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000003"), "<p>Здравствуйте!</p><p>Чтобы задать новый пароль для {{email}}, перейдите по ссылке:</p><p><a href=\"{{link}}\">{{link}}</a></p><p>Ссылка действует до {{expires_at}}. Если вы не просили сбросить пароль, ничего не делайте: пароль останется прежним.</p>", "email", "ru", "Сброс пароля", "password_reset", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000004"), "<p>Hello!</p><p>To choose a new password for {{email}}, open this link:</p><p><a href=\"{{link}}\">{{link}}</a></p><p>The link works until {{expires_at}}. If you did not ask for a reset, do nothing: your password stays the same.</p>", "email", "en", "Reset your password", "password_reset", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000005"), "<p>Видео «{{filename}}» обработано ({{duration}}, качество: {{renditions}}) и готово к публикации.</p>", "email", "ru", "Видео «{{filename}}» готово", "media_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000006"), "<p>Your video \"{{filename}}\" is processed ({{duration}}, renditions: {{renditions}}) and ready to publish.</p>", "email", "en", "Video \"{{filename}}\" is ready", "media_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000007"), "Видео «{{filename}}» обработано ({{duration}}, качество: {{renditions}}) и готово к публикации.", "telegram", "ru", null, "media_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000008"), "Your video \"{{filename}}\" is processed ({{duration}}, renditions: {{renditions}}) and ready to publish.", "telegram", "en", null, "media_ready", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000009"), "<p>Видео «{{filename}}» не удалось обработать: {{error}}.</p><p>Проверьте файл и загрузите его снова.</p>", "email", "ru", "Не удалось обработать видео «{{filename}}»", "media_failed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000010"), "<p>Your video \"{{filename}}\" could not be processed: {{error}}.</p><p>Check the file and upload it again.</p>", "email", "en", "Video \"{{filename}}\" could not be processed", "media_failed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000011"), "Видео «{{filename}}» не удалось обработать: {{error}}. Проверьте файл и загрузите его снова.", "telegram", "ru", null, "media_failed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000012"), "Your video \"{{filename}}\" could not be processed: {{error}}. Check the file and upload it again.", "telegram", "en", null, "media_failed", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000013"), "<p>В Campus опубликован новый курс «{{title}}».</p><p><a href=\"{{link}}\">Открыть курс</a></p>", "email", "ru", "Новый курс: {{title}}", "course_published", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000014"), "<p>A new course \"{{title}}\" is published on Campus.</p><p><a href=\"{{link}}\">Open the course</a></p>", "email", "en", "New course: {{title}}", "course_published", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000015"), "Новый курс в Campus: «{{title}}»\n{{link}}", "telegram", "ru", null, "course_published", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) },
                    { new Guid("5eed0000-0000-0000-0000-000000000016"), "New course on Campus: \"{{title}}\"\n{{link}}", "telegram", "en", null, "course_published", new DateTimeOffset(new DateTime(2026, 11, 26, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)) }
                });

            migrationBuilder.CreateIndex(
                name: "ix_contacts_telegram_chat_id",
                table: "contacts",
                column: "telegram_chat_id");

            migrationBuilder.CreateIndex(
                name: "ix_notifications_created_at",
                table: "notifications",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_notifications_idempotency_key",
                table: "notifications",
                column: "idempotency_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_notifications_status_next_attempt_at",
                table: "notifications",
                columns: new[] { "status", "next_attempt_at" });

            migrationBuilder.CreateIndex(
                name: "ix_notifications_user_id_created_at",
                table: "notifications",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_telegram_link_codes_user_id",
                table: "telegram_link_codes",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_templates_type_key_channel_locale",
                table: "templates",
                columns: new[] { "type_key", "channel", "locale" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_user_settings_type_key",
                table: "user_settings",
                column: "type_key");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "contacts");

            migrationBuilder.DropTable(
                name: "notifications");

            migrationBuilder.DropTable(
                name: "telegram_link_codes");

            migrationBuilder.DropTable(
                name: "templates");

            migrationBuilder.DropTable(
                name: "user_settings");

            migrationBuilder.DropTable(
                name: "notification_types");
        }
    }
}
