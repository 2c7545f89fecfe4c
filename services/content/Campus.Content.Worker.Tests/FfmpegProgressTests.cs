using Campus.Content.Worker.Transcoding;

namespace Campus.Content.Worker.Tests;

public sealed class FfmpegProgressTests
{
    [Fact]
    public void Out_time_us_line_is_parsed_as_microseconds()
    {
        Assert.True(FfmpegProgress.TryParseOutTime("out_time_us=2026667", out var outTime));
        Assert.Equal(TimeSpan.FromMicroseconds(2026667), outTime);
    }

    [Theory]
    [InlineData("out_time_us=N/A")]
    [InlineData("out_time_ms=2026667")]
    [InlineData("out_time=00:00:02.026667")]
    [InlineData("progress=continue")]
    [InlineData("out_time_us=-5")]
    [InlineData("")]
    public void Other_lines_and_not_available_are_ignored(string line) =>
        Assert.False(FfmpegProgress.TryParseOutTime(line, out _));

    [Theory]
    [InlineData(0, 10.0, 0)]
    [InlineData(2.5, 10.0, 25)]
    [InlineData(9.99, 10.0, 99)]
    [InlineData(10.2, 10.0, 99)]
    [InlineData(3, null, 0)]
    [InlineData(3, 0.0, 0)]
    public void Percent_is_position_over_duration_capped_below_100(double seconds, double? duration, int expected) =>
        Assert.Equal(expected, FfmpegProgress.Percent(TimeSpan.FromSeconds(seconds), duration));
}
