using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Analytics.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReportPeriods : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "period",
                table: "report_schedules",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "period",
                table: "report_requests",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "period",
                table: "report_schedules");

            migrationBuilder.DropColumn(
                name: "period",
                table: "report_requests");
        }
    }
}
