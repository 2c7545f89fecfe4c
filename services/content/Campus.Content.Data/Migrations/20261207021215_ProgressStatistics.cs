using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Content.Data.Migrations
{
    /// <summary>
    /// <c>material_progress</c> is updated by every video heartbeat (hundreds a second at peak), but no heartbeat changes a
    /// column that a query filters or joins on. PostgreSQL counts each update towards the next automatic <c>ANALYZE</c>
    /// (by default after a tenth of the table changed: every few seconds under load, each a burst of CPU of 0.1–0.3 s on
    /// a table of 30,000 rows), and collected statistics for <c>watch_state</c>, a JSON document no query looks into,
    /// which made half of each <c>ANALYZE</c>. Now the table is analysed after as many changes as it has rows, and
    /// <c>watch_state</c> has no statistics. Vacuuming keeps PostgreSQL's defaults.
    /// </summary>
    public partial class ProgressStatistics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE material_progress SET (autovacuum_analyze_scale_factor = 1.0);
                ALTER TABLE material_progress ALTER COLUMN watch_state SET STATISTICS 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE material_progress ALTER COLUMN watch_state SET STATISTICS -1;
                ALTER TABLE material_progress RESET (autovacuum_analyze_scale_factor);
                """);
        }
    }
}
