using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Auth.Data.Migrations
{
    /// <inheritdoc />
    public partial class PhoneCodesPerSource : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_sms_codes",
                table: "sms_codes");

            migrationBuilder.AlterColumn<string>(
                name: "requested_by",
                table: "sms_codes",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64,
                oldNullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "pk_sms_codes",
                table: "sms_codes",
                columns: new[] { "phone", "requested_by" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_sms_codes",
                table: "sms_codes");

            migrationBuilder.AlterColumn<string>(
                name: "requested_by",
                table: "sms_codes",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64);

            migrationBuilder.AddPrimaryKey(
                name: "pk_sms_codes",
                table: "sms_codes",
                column: "phone");
        }
    }
}
