using System.Security.Claims;

namespace Campus.Content;

/// <summary>The roles of the token's <c>roles</c> claim that matter here, and what they may do.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Author = "author";
    public const string Manager = "manager";

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(Admin);

    /// <summary>Authors and admins create and change content (their own; admins anyone's).</summary>
    public static bool CanManage(this ClaimsPrincipal principal) => principal.IsInRole(Admin) || principal.IsInRole(Author);
}
