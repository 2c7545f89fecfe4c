namespace Campus.Storage.Tests;

public sealed class ObjectKeysTests
{
    [Fact]
    public void New_key_is_owner_then_a_random_id_and_the_extension()
    {
        var owner = Guid.NewGuid();

        var key = ObjectKeys.New(owner, ".jpg");

        Assert.Matches($"^{owner}/[0-9a-f]{{32}}\\.jpg$", key);
        Assert.NotEqual(key, ObjectKeys.New(owner, ".jpg"));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("..")]
    public void Owner_must_be_one_plain_segment(string owner) =>
        Assert.Throws<ArgumentException>(() => ObjectKeys.New(owner, ".png"));

    [Theory]
    [InlineData("png")]
    [InlineData(".PNG")]
    [InlineData("./x")]
    [InlineData(".png/../x")]
    public void Extension_must_be_a_dot_and_lowercase_letters_or_digits(string extension) =>
        Assert.Throws<ArgumentException>(() => ObjectKeys.New("owner", extension));

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
