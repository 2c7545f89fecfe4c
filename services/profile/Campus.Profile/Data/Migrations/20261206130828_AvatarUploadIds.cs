using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Profile.Data.Migrations
{
    /// <inheritdoc />
    public partial class AvatarUploadIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "id",
                table: "avatar_uploads",
                type: "uuid",
                nullable: false,
                defaultValueSql: "gen_random_uuid()");

            migrationBuilder.CreateIndex(
                name: "ix_avatar_uploads_id",
                table: "avatar_uploads",
                column: "id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_avatar_uploads_id",
                table: "avatar_uploads");

            migrationBuilder.DropColumn(
                name: "id",
                table: "avatar_uploads");
        }
    }
}
