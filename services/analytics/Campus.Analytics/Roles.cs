using System.Security.Claims;

namespace Campus.Analytics;

/// <summary>The roles of the token's <c>roles</c> claim that matter here.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Manager = "manager";

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(Admin);

    public static bool IsManager(this ClaimsPrincipal principal) => principal.IsInRole(Manager);
}
