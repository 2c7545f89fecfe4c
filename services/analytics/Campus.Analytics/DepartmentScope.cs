using System.Security.Claims;
using Campus.Analytics.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics;

/// <summary>
/// Whose figures a caller may see, the one rule of the dashboard, reports and schedules: an admin any department (or
/// everyone: null), a manager only their own — the department of the caller's row in the <c>users</c> facts, asked for
/// or not. Each endpoint answers a refusal with its own problem code.
/// </summary>
internal static class DepartmentScope
{
    public enum Refusal
    {
        None,

        /// <summary>The manager has no department in the facts (yet), so manages no one.</summary>
        NoDepartment,

        /// <summary>The manager asked for another department.</summary>
        OtherDepartment,
    }

    /// <summary>The caller's row of the facts as far as scoping and dates need it.</summary>
    public sealed record Caller(string? Department, string? TimeZone);

    /// <summary><paramref name="asked"/> as sent (trimmed here; null or blank: none asked for).</summary>
    public static async Task<(string? Department, Caller? Caller, Refusal Refusal)> ResolveAsync(
        AnalyticsDbContext db, ClaimsPrincipal principal, string? asked, CancellationToken ct)
    {
        asked = string.IsNullOrWhiteSpace(asked) ? null : asked.Trim();
        var me = principal.UserId();
        var caller = await db.Users.AsNoTracking().Where(u => u.UserId == me)
            .Select(u => new Caller(u.Department, u.TimeZone)).FirstOrDefaultAsync(ct);
        if (principal.IsAdmin())
        {
            return (asked, caller, Refusal.None);
        }
        if (string.IsNullOrWhiteSpace(caller?.Department))
        {
            return (null, caller, Refusal.NoDepartment);
        }
        if (asked is not null && !string.Equals(asked, caller.Department, StringComparison.Ordinal))
        {
            return (null, caller, Refusal.OtherDepartment);
        }
        return (caller.Department, caller, Refusal.None);
    }
}
