using System.Security.Claims;
using Campus.Content.Data;

namespace Campus.Content.Courses;

/// <summary>
/// Who sees what, in the query: admins everything; authors their own courses plus what students see;
/// everyone else published courses and, in them, published materials. What a caller may not see does not exist for them (404).
/// </summary>
public static class ContentAccess
{
    /// <summary>Courses the caller may read.</summary>
    public static IQueryable<Course> Readable(this IQueryable<Course> courses, ClaimsPrincipal principal)
    {
        if (principal.IsAdmin())
        {
            return courses;
        }
        var me = principal.UserId();
        return courses.Where(c => c.Status == CourseStatus.Published || c.AuthorId == me);
    }

    /// <summary>Courses the caller may change: admins any, authors their own.</summary>
    public static IQueryable<Course> Managed(this IQueryable<Course> courses, ClaimsPrincipal principal)
    {
        if (principal.IsAdmin())
        {
            return courses;
        }
        var me = principal.UserId();
        return courses.Where(c => c.AuthorId == me);
    }

    /// <summary>True when the caller manages <paramref name="course"/> (and so also sees its drafts and hidden materials).</summary>
    public static bool Manages(this ClaimsPrincipal principal, Course course) =>
        principal.IsAdmin() || (principal.CanManageContent() && course.AuthorId == principal.UserId());

    /// <summary>Published materials of published courses: what a student may open.</summary>
    public static IQueryable<Material> VisibleToStudents(ContentDbContext db) =>
        from m in db.Materials
        join s in db.Sections on m.SectionId equals s.Id
        join c in db.Courses on s.CourseId equals c.Id
        where m.IsPublished && c.Status == CourseStatus.Published
        select m;
}
