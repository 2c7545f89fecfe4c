using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Auth.Data.Migrations
{
    /// <inheritdoc />
    public partial class UserSecurityVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "security_version",
                table: "users",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "security_version",
                table: "users");
        }
    }
}
