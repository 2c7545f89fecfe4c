using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Analytics.Data.Migrations
{
    /// <inheritdoc />
    public partial class DashboardIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_notification_deliveries_occurred_at_channel",
                table: "notification_deliveries",
                column: "occurred_at")
                .Annotation("Npgsql:IndexInclude", new[] { "channel", "state", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_enrolments_completed_at",
                table: "enrolments",
                column: "completed_at",
                filter: "completed_at IS NOT NULL")
                .Annotation("Npgsql:IndexInclude", new[] { "enrolled_at", "course_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_enrolments_enrolled_at",
                table: "enrolments",
                column: "enrolled_at",
                filter: "enrolled_at IS NOT NULL")
                .Annotation("Npgsql:IndexInclude", new[] { "completed_at", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_activity_daily_day_user_id",
                table: "activity_daily",
                columns: new[] { "day", "user_id" })
                .Annotation("Npgsql:IndexInclude", new[] { "messages" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_notification_deliveries_occurred_at_channel",
                table: "notification_deliveries");

            migrationBuilder.DropIndex(
                name: "ix_enrolments_completed_at",
                table: "enrolments");

            migrationBuilder.DropIndex(
                name: "ix_enrolments_enrolled_at",
                table: "enrolments");

            migrationBuilder.DropIndex(
                name: "ix_activity_daily_day_user_id",
                table: "activity_daily");
        }
    }
}
