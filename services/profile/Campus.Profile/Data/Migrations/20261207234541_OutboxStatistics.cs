using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Profile.Data.Migrations
{
    /// <summary>
    /// The outbox keeps statistics only of the columns its queries filter or sort on: an <c>ANALYZE</c> of the JSON payloads
    /// and headers was a burst of CPU each time the table had changed enough (<see cref="OutboxModel.LimitOutboxStatistics"/>).
    /// </summary>
    public partial class OutboxStatistics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.LimitOutboxStatistics();
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RestoreOutboxStatistics();
        }
    }
}
