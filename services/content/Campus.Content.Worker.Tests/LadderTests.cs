using Campus.Content.Worker.Transcoding;

namespace Campus.Content.Worker.Tests;

public sealed class LadderTests
{
    [Theory]
    [InlineData(2160, new[] { 480, 720, 1080 })]
    [InlineData(1080, new[] { 480, 720, 1080 })]
    [InlineData(1079, new[] { 480, 720 })]
    [InlineData(720, new[] { 480, 720 })]
    [InlineData(600, new[] { 480 })]
    [InlineData(480, new[] { 480 })]
    public void Ladder_skips_renditions_above_the_source_height(int source, int[] expected) =>
        Assert.Equal(expected, Ladder.For(source).Select(r => r.Height));

    [Theory]
    [InlineData(360, 360)]
    [InlineData(241, 240)]
    public void Source_below_480_gets_one_rendition_at_its_own_even_height(int source, int expected)
    {
        var rendition = Assert.Single(Ladder.For(source));
        Assert.Equal(expected, rendition.Height);
        Assert.InRange(rendition.VideoKbps, 200, Ladder.Full[0].VideoKbps);
    }

    [Fact]
    public void Rendition_names_are_height_and_p() =>
        Assert.Equal(["480p", "720p", "1080p"], Ladder.Full.Select(r => r.Name));
}
