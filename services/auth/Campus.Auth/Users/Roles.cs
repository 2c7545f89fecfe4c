namespace Campus.Auth.Users;

/// <summary>The role names of the JWT <c>roles</c> claim.</summary>
public static class Roles
{
    public const string Student = "student";
    public const string Author = "author";
    public const string Moderator = "moderator";
    /// <summary>Manages the learners of their own department (the department on their profile); content enforces it.</summary>
    public const string Manager = "manager";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Student, Author, Moderator, Manager, Admin];
}
