using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Auth.Data.Migrations
{
    /// <inheritdoc />
    public partial class SignInAbuseProtection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Per-phone locks are replaced by per-(phone, source) locks, the phone guard and the source block list.
            migrationBuilder.DropTable(
                name: "phone_locks");

            // Phones are stored only in E.164 (ASCII digits, no whitespace). NOT VALID: enforced for every new or changed
            // row, without failing on rows written before phones were canonicalized (find them with
            // SELECT id, phone FROM users WHERE phone !~ '^\+[1-9][0-9]{6,14}$'; see services/auth/README.md).
            migrationBuilder.Sql("ALTER TABLE users ADD CONSTRAINT ck_users_phone_e164 CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$') NOT VALID;");

            migrationBuilder.AddColumn<string>(
                name: "requested_by",
                table: "sms_codes",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "otp_sources",
                columns: table => new
                {
                    client_ip = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    failed_attempts = table.Column<int>(type: "integer", nullable: false),
                    first_failed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    blocks = table.Column<int>(type: "integer", nullable: false),
                    blocked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_otp_sources", x => x.client_ip);
                });

            migrationBuilder.CreateTable(
                name: "phone_guards",
                columns: table => new
                {
                    phone = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    failed_attempts = table.Column<int>(type: "integer", nullable: false),
                    first_failed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    guarded_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_phone_guards", x => x.phone);
                });

            migrationBuilder.CreateTable(
                name: "phone_source_locks",
                columns: table => new
                {
                    phone = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    client_ip = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    failed_attempts = table.Column<int>(type: "integer", nullable: false),
                    first_failed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_phone_source_locks", x => new { x.phone, x.client_ip });
                });

            migrationBuilder.CreateTable(
                name: "sms_budget",
                columns: table => new
                {
                    window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sent = table.Column<int>(type: "integer", nullable: false),
                    refused = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sms_budget", x => x.window_start);
                });

            migrationBuilder.CreateIndex(
                name: "ix_otp_sources_first_failed_at",
                table: "otp_sources",
                column: "first_failed_at");

            migrationBuilder.CreateIndex(
                name: "ix_phone_guards_first_failed_at",
                table: "phone_guards",
                column: "first_failed_at");

            migrationBuilder.CreateIndex(
                name: "ix_phone_source_locks_first_failed_at",
                table: "phone_source_locks",
                column: "first_failed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE users DROP CONSTRAINT ck_users_phone_e164;");

            migrationBuilder.DropTable(
                name: "otp_sources");

            migrationBuilder.DropTable(
                name: "phone_guards");

            migrationBuilder.DropTable(
                name: "phone_source_locks");

            migrationBuilder.DropTable(
                name: "sms_budget");

            migrationBuilder.DropColumn(
                name: "requested_by",
                table: "sms_codes");

            migrationBuilder.CreateTable(
                name: "phone_locks",
                columns: table => new
                {
                    phone = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    failed_attempts = table.Column<int>(type: "integer", nullable: false),
                    first_failed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_phone_locks", x => x.phone);
                });
        }
    }
}
