using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Chat.Data.Migrations
{
    /// <inheritdoc />
    public partial class ActivityCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "activity_counts",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    messages = table.Column<int>(type: "integer", nullable: false),
                    published = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_activity_counts", x => new { x.user_id, x.day });
                });

            migrationBuilder.CreateIndex(
                name: "ix_activity_counts_user_id_day",
                table: "activity_counts",
                columns: new[] { "user_id", "day" },
                filter: "messages > published");

            // The totals of the messages posted so far. Analytics counted them from the per-message events chat published
            // until now; today's and yesterday's are announced again (a total is never less than that count), so those
            // still in flight when the consumer stopped reading them are counted too.
            migrationBuilder.Sql("""
                INSERT INTO activity_counts (user_id, day, messages, published)
                SELECT author_id, day, count(*)::int,
                    CASE WHEN day >= (now() AT TIME ZONE 'UTC')::date - 1 THEN 0 ELSE count(*)::int END
                FROM (SELECT author_id, (created_at AT TIME ZONE 'UTC')::date AS day FROM messages) m
                GROUP BY author_id, day;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "activity_counts");
        }
    }
}
