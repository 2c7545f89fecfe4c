using System.ComponentModel.DataAnnotations;

namespace Campus.Content.Worker.Tests;

public sealed class TranscodeOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(Validate(new TranscodeOptions()));

    [Fact]
    public void Unknown_preset_is_refused_with_the_list() =>
        Assert.Contains(Validate(new TranscodeOptions { Preset = "turbo" }), error => error.Contains("veryfast", StringComparison.Ordinal));

    [Fact]
    public void Heartbeat_timeout_shorter_than_three_intervals_is_refused() =>
        Assert.Contains(Validate(new TranscodeOptions { HeartbeatInterval = TimeSpan.FromSeconds(10), HeartbeatTimeout = TimeSpan.FromSeconds(20) }),
            error => error.Contains("HeartbeatTimeout", StringComparison.Ordinal));

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Segment_length_outside_2_to_4_seconds_is_refused(int seconds) =>
        Assert.NotEmpty(Validate(new TranscodeOptions { SegmentSeconds = seconds }));

    private static List<string> Validate(TranscodeOptions options)
    {
        var results = new List<ValidationResult>();
        // What ValidateDataAnnotations() runs at start: the attributes, then IValidatableObject.Validate.
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "")];
    }
}
