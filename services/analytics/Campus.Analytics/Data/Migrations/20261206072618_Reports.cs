using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Analytics.Data.Migrations
{
    /// <inheritdoc />
    public partial class Reports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "report_requests",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    format = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    from_date = table.Column<DateOnly>(type: "date", nullable: true),
                    to_date = table.Column<DateOnly>(type: "date", nullable: true),
                    department = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    course_id = table.Column<Guid>(type: "uuid", nullable: true),
                    locale = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    time_zone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    progress = table.Column<int>(type: "integer", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    lease_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    object_key = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    upload_id = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    file_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    size_bytes = table.Column<long>(type: "bigint", nullable: true),
                    row_count = table.Column<long>(type: "bigint", nullable: true),
                    truncated = table.Column<bool>(type: "boolean", nullable: false),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_requests", x => x.id);
                    table.CheckConstraint("ck_report_requests_format", "format IN ('xlsx','pdf')");
                    table.CheckConstraint("ck_report_requests_progress", "progress BETWEEN 0 AND 100");
                    table.CheckConstraint("ck_report_requests_state", "state IN ('queued','running','ready','failed','canceled','expired')");
                });

            migrationBuilder.CreateIndex(
                name: "ix_report_requests_expires_at",
                table: "report_requests",
                column: "expires_at",
                filter: "state = 'ready'");

            migrationBuilder.CreateIndex(
                name: "ix_report_requests_lease_until",
                table: "report_requests",
                column: "lease_until",
                filter: "state = 'running'");

            migrationBuilder.CreateIndex(
                name: "ix_report_requests_user_id_created_at",
                table: "report_requests",
                columns: new[] { "user_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "report_requests");
        }
    }
}
