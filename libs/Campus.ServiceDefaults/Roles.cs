using System.Security.Claims;

namespace Campus;

/// <summary>
/// The role names of the access token's <c>roles</c> claim, for every host: auth issues them, the services check them
/// (through <see cref="Policies"/> on endpoints, or these helpers where a rule depends on the data).
/// </summary>
public static class Roles
{
    public const string Student = "student";
    public const string Author = "author";
    public const string Moderator = "moderator";
    /// <summary>Manages the learners of their own department (the department on their profile); content enforces it.</summary>
    public const string Manager = "manager";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Student, Author, Moderator, Manager, Admin];

    /// <summary>The contracts' one schema of a role name (every field that takes a role refers to it).</summary>
    public const string Schema = "Role";

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(Admin);

    public static bool IsManager(this ClaimsPrincipal principal) => principal.IsInRole(Manager);

    /// <summary>Authors and admins create and change content (their own; admins anyone's).</summary>
    public static bool CanManageContent(this ClaimsPrincipal principal) => principal.IsInRole(Admin) || principal.IsInRole(Author);
}

/// <summary>The authorization policies every host registers (<c>AddDefaultAuthentication</c>); endpoints name them.</summary>
public static class Policies
{
    /// <summary>Admins only.</summary>
    public const string Admin = "admin";

    /// <summary>Endpoints that create or change content: authors and admins.</summary>
    public const string ManageContent = "manage-content";

    /// <summary>Assignment endpoints: admins, and managers (within their department, checked by the endpoint).</summary>
    public const string AssignLearners = "assign-learners";
}
