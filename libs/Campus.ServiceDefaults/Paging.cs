using Microsoft.AspNetCore.Http.HttpResults;

namespace Campus.ServiceDefaults;

/// <summary>
/// The one paging convention of every list endpoint (docs/api-conventions.md): query <c>limit</c> (1..max, default 20)
/// and <c>offset</c> (0 or more); the answer is <c>{items, total, limit, offset}</c>. A limit or offset out of range is
/// refused with a validation problem (<c>invalid_page</c>, field errors on <c>limit</c>/<c>offset</c>), never capped.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    /// <summary>The largest offset: any that parses (an <c>int</c>); the contract's bound of <c>offset</c>.</summary>
    public const int MaxOffset = int.MaxValue;
    public const string InvalidPage = "invalid_page";
    /// <summary>The longest <c>search</c> text a list takes (a longer one is a 400 on <c>search</c>, never cut).</summary>
    public const int MaxSearchLength = 200;

    /// <summary>Null when <paramref name="limit"/> is 1..<paramref name="max"/> and <paramref name="offset"/> 0 or more; else the problem to answer.</summary>
    public static ProblemHttpResult? Check(int limit, int offset, int max = MaxLimit)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit < 1 || limit > max)
        {
            errors["limit"] = [$"limit is 1..{max}."];
        }
        if (offset < 0)
        {
            errors["offset"] = ["offset is 0 or more."];
        }
        return errors.Count == 0 ? null : Problems.InvalidFields(errors, InvalidPage, $"limit must be 1..{max} and offset >= 0.");
    }

    /// <summary>Null when <paramref name="search"/> is at most <see cref="MaxSearchLength"/> characters; else the problem to answer.</summary>
    public static ProblemHttpResult? CheckSearch(string? search) =>
        search?.Length > MaxSearchLength ? Problems.InvalidField("search", $"At most {MaxSearchLength} characters.") : null;
}
