namespace Campus.Storage.Tests;

public sealed class ObjectKeysTests
{
    [Fact]
    public void Upload_keys_are_random_names_in_the_upload_area()
    {
        var key = ObjectKeys.NewUpload(".jpg");

        Assert.Matches("^incoming/[0-9a-f]{32}\\.jpg$", key);
        Assert.NotEqual(key, ObjectKeys.NewUpload(".jpg"));
        Assert.True(ObjectKeys.IsUpload(key));
    }

    [Fact]
    public void Checked_keys_and_prefixes_are_random_and_outside_the_upload_area()
    {
        var checkedKey = ObjectKeys.NewChecked(".mp4");
        var prefix = ObjectKeys.NewPrefix("hls");

        Assert.Matches("^checked/[0-9a-f]{32}\\.mp4$", checkedKey);
        Assert.Matches("^hls/[0-9a-f]{32}$", prefix);
        Assert.False(ObjectKeys.IsUpload(checkedKey));
        Assert.False(ObjectKeys.IsUpload(prefix + "/master.m3u8"));
        Assert.NotEqual(prefix, ObjectKeys.NewPrefix("hls"));
    }

    [Theory]
    [InlineData("incoming")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("HLS")]
    public void Prefix_area_is_one_plain_segment_outside_the_upload_area(string area) =>
        Assert.Throws<ArgumentException>(() => ObjectKeys.NewPrefix(area));

    [Theory]
    [InlineData("png")]
    [InlineData(".PNG")]
    [InlineData("./x")]
    [InlineData(".png/../x")]
    public void Extension_must_be_a_dot_and_lowercase_letters_or_digits(string extension) =>
        Assert.Throws<ArgumentException>(() => ObjectKeys.NewUpload(extension));

    [Theory]
    [InlineData("a/b.png", true)]
    [InlineData("media/123/720p/seg_001.ts", true)]
    [InlineData("../a", false)]
    [InlineData("a/./b", false)]
    [InlineData("/a", false)]
    [InlineData("a//b", false)]
    [InlineData("a\\b", false)]
    [InlineData("a\nb", false)]
    [InlineData("", false)]
    public void Unsafe_keys_are_recognised(string key, bool safe) => Assert.Equal(safe, ObjectKeys.IsSafe(key));
}
