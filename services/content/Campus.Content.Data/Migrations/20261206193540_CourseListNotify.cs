using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Campus.Content.Data.Migrations
{
    /// <summary>
    /// Every statement that changes courses or documents announces it on the <c>content_catalog</c> channel (delivered at
    /// commit, once per transaction): each content replica empties its in-memory course list (CourseListCache).
    /// </summary>
    public partial class CourseListNotify : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_content_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('content_catalog', '');
                    RETURN NULL;
                END $$;
                CREATE TRIGGER courses_notify_content_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON courses
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_content_catalog();
                CREATE TRIGGER documents_notify_content_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON documents
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_content_catalog();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER documents_notify_content_catalog ON documents;
                DROP TRIGGER courses_notify_content_catalog ON courses;
                DROP FUNCTION notify_content_catalog();
                """);
        }
    }
}
