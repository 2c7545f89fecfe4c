using System.Security.Claims;
using Campus.Content.Data;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Courses;

/// <summary>
/// The course list a caller may see, newest first: the plain list (no search, status or mine: the catalogue page, the
/// hottest read) through <see cref="CourseListCache"/> and compiled queries, any other list as one filtered query; every
/// cover as a presigned URL.
/// </summary>
public sealed class CourseListing(ContentDbContext db, IObjectStorage storage, CourseListCache cache)
{
    /// <summary>A page of the courses <paramref name="principal"/> may see (the caller checked the paging).</summary>
    /// <param name="principal">The caller.</param>
    /// <param name="search">Words looked for in title and description; null or blank for none.</param>
    /// <param name="status">Only courses in this status; null for any.</param>
    /// <param name="mine">Only the caller's own courses.</param>
    /// <param name="limit">The page size.</param>
    /// <param name="offset">The courses skipped.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<CoursePage> ListAsync(
        ClaimsPrincipal principal, string? search, CourseStatus? status, bool mine, int limit, int offset, CancellationToken ct)
    {
        if (!mine && status is null && string.IsNullOrWhiteSpace(search))
        {
            return await PlainListAsync(principal, limit, offset, ct);
        }
        var query = db.Courses.AsNoTracking().Readable(principal);
        if (mine)
        {
            var me = principal.UserId();
            query = query.Where(c => c.AuthorId == me);
        }
        if (status is { } only)
        {
            query = query.Where(c => c.Status == only);
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + CoursesApi.EscapeLike(search.Trim()) + "%";
            query = query.Where(c => EF.Functions.ILike(c.Title, pattern, "\\")
                || (c.Description != null && EF.Functions.ILike(c.Description, pattern, "\\")));
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .Skip(offset).Take(limit)
            .Select(c => new { Course = c, CoverKey = db.Documents.Where(d => d.Id == c.CoverDocumentId).Select(d => d.Key).FirstOrDefault() })
            .ToListAsync(ct);
        var items = new List<CourseSummary>(rows.Count);
        foreach (var row in rows)
        {
            items.Add(await SummaryAsync(row.Course, row.CoverKey));
        }
        return new CoursePage(items, total, limit, offset);
    }

    /// <summary>A row of a page: the course and its cover's storage key.</summary>
    private sealed record CourseRow(Course Course, string? CoverKey);

    // The plain list as compiled queries, one pair per kind of caller (ContentAccess.Readable: admins everything,
    // everyone else published courses and their own). Translating the LINQ query again on every call (building the tree,
    // walking and hashing it for the query cache) allocated about 27 KB a request, 69.5 KB → 42 KB in all
    // (services/content/README.md, Performance).
    private static readonly Func<ContentDbContext, Guid, CancellationToken, Task<int>> ReadableCountAsync = EF.CompileAsyncQuery(
        (ContentDbContext db, Guid me, CancellationToken _) => db.Courses.Count(c => c.Status == CourseStatus.Published || c.AuthorId == me));

    private static readonly Func<ContentDbContext, Guid, int, int, IAsyncEnumerable<CourseRow>> ReadablePage = EF.CompileAsyncQuery(
        (ContentDbContext db, Guid me, int offset, int limit) => db.Courses.AsNoTracking()
            .Where(c => c.Status == CourseStatus.Published || c.AuthorId == me)
            .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .Skip(offset).Take(limit)
            .Select(c => new CourseRow(c, db.Documents.Where(d => d.Id == c.CoverDocumentId).Select(d => d.Key).FirstOrDefault())));

    private static readonly Func<ContentDbContext, CancellationToken, Task<int>> AllCountAsync = EF.CompileAsyncQuery(
        (ContentDbContext db, CancellationToken _) => db.Courses.Count());

    private static readonly Func<ContentDbContext, int, int, IAsyncEnumerable<CourseRow>> AllPage = EF.CompileAsyncQuery(
        (ContentDbContext db, int offset, int limit) => db.Courses.AsNoTracking()
            .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .Skip(offset).Take(limit)
            .Select(c => new CourseRow(c, db.Documents.Where(d => d.Id == c.CoverDocumentId).Select(d => d.Key).FirstOrDefault())));

    private async Task<CoursePage> PlainListAsync(ClaimsPrincipal principal, int limit, int offset, CancellationToken ct)
    {
        var admin = principal.IsAdmin();
        var me = admin ? Guid.Empty : principal.UserId();
        // Everyone's list (no course of the caller's own that is not published) comes from memory; Guid.Empty is nobody's id,
        // so the query reads exactly the published courses.
        return await cache.GetAsync(db, admin, me, offset, limit, ct => ReadPlainListAsync(admin, Guid.Empty, limit, offset, ct), ct)
            ?? await ReadPlainListAsync(admin, me, limit, offset, ct);
    }

    private async Task<CoursePage> ReadPlainListAsync(bool admin, Guid me, int limit, int offset, CancellationToken ct)
    {
        var total = admin ? await AllCountAsync(db, ct) : await ReadableCountAsync(db, me, ct);
        var items = new List<CourseSummary>(Math.Min(limit, Math.Max(0, total - offset)));
        await foreach (var row in (admin ? AllPage(db, offset, limit) : ReadablePage(db, me, offset, limit)).WithCancellation(ct))
        {
            items.Add(await SummaryAsync(row.Course, row.CoverKey));
        }
        return new CoursePage(items, total, limit, offset);
    }

    private async Task<CourseSummary> SummaryAsync(Course c, string? coverKey) =>
        new(c.Id, c.Title, c.Description, c.Status, c.AuthorId, c.CoverDocumentId,
            await CoursesApi.CoverUrlAsync(storage, coverKey), c.CreatedAt, c.UpdatedAt, c.PublishedAt);
}
