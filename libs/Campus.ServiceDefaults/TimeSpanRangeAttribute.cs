using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Campus.ServiceDefaults;

/// <summary>
/// A <see cref="TimeSpan"/> setting between two bounds (inclusive), written like <c>[TimeSpanRange(...)]</c>.
/// <see cref="RangeAttribute"/> converts its bounds lazily and not thread-safely: hosts validating the same options type
/// at once (several hosts in one test process, options read on first use by parallel requests) can fail with
/// "Unable to cast object of type 'System.TimeSpan' to type 'System.String'". This one parses its bounds once, here.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
public sealed class TimeSpanRangeAttribute : ValidationAttribute
{
    public TimeSpanRangeAttribute(string minimum, string maximum)
        : base("The field {0} must be between {1} and {2}.")
    {
        Minimum = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
        Maximum = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);
    }

    public TimeSpan Minimum { get; }

    public TimeSpan Maximum { get; }

    /// <summary>A missing value is valid, as with <see cref="RangeAttribute"/>: <c>[Required]</c> says otherwise.</summary>
    public override bool IsValid(object? value) => value is not TimeSpan span || (span >= Minimum && span <= Maximum);

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.CurrentCulture, ErrorMessageString, name, Minimum, Maximum);
}
