using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Content.Data;

/// <summary>
/// Enums are stored as their snake_case wire names (<c>processing</c>), the same text the API and events use, so rows
/// read well in psql and adding a member never renumbers existing rows.
/// </summary>
public static class EnumText
{
    /// <summary>The snake_case name of <paramref name="value"/>, e.g. <c>Queued</c> → <c>queued</c>.</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>The member named <paramref name="text"/> in snake_case.</summary>
    public static T Parse<T>(string text) where T : struct, Enum => Enum.Parse<T>(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);

    internal static PropertyBuilder<T> AsText<T>(this PropertyBuilder<T> property) where T : struct, Enum
    {
        Expression<Func<T, string>> toText = value => Name(value);
        Expression<Func<string, T>> fromText = text => Parse<T>(text);
        return property.HasConversion(toText, fromText).HasMaxLength(32);
    }
}
