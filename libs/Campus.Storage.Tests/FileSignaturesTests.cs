using System.Text;

namespace Campus.Storage.Tests;

public sealed class FileSignaturesTests
{
    public static TheoryData<string, byte[]> Genuine => new()
    {
        { "image/jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F'] },
        { "image/png", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] },
        { "image/webp", [.. "RIFF"u8, 0x24, 0, 0, 0, .. "WEBPVP8 "u8] },
        { "image/gif", [.. "GIF89a"u8, 1, 0, 1, 0] },
        { "application/pdf", [.. "%PDF-1.7\n"u8] },
        { "video/mp4", [0, 0, 0, 0x20, .. "ftypisom"u8] },
        { "video/quicktime", [0, 0, 0, 0x14, .. "ftypqt  "u8] },
        { "video/webm", [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86] },
        { "video/x-matroska", [0x1A, 0x45, 0xDF, 0xA3, 0x01] },
        { "audio/mpeg", [.. "ID3"u8, 4, 0, 0] },
        { "audio/mpeg", [0xFF, 0xFB, 0x90, 0x64] },
        { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", [(byte)'P', (byte)'K', 3, 4, 20, 0] },
        { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [(byte)'P', (byte)'K', 3, 4, 20, 0] },
        { "application/vnd.openxmlformats-officedocument.presentationml.presentation", [(byte)'P', (byte)'K', 3, 4, 20, 0] },
        { "text/csv", [.. "name;score\r\nАнна;5\r\n"u8] },
        { "text/plain", [0xEF, 0xBB, 0xBF, .. "hello\tworld\n"u8] },
        { "text/plain", [] },
    };

    [Theory]
    [MemberData(nameof(Genuine))]
    public void Genuine_files_match_their_type(string contentType, byte[] firstBytes)
    {
        var type = FileSignatures.Find(contentType);

        Assert.NotNull(type);
        Assert.True(type.Matches(firstBytes));
    }

    public static TheoryData<string, byte[]> Impostors => new()
    {
        { "image/jpeg", [.. "<?php echo 1; ?>"u8] },
        { "image/png", [0xFF, 0xD8, 0xFF, 0xE0] },
        { "image/webp", [.. "RIFF"u8, 0x24, 0, 0, 0, .. "WAVEfmt "u8] },
        { "image/gif", [.. "GIF90a"u8] },
        { "application/pdf", [.. "<html>"u8] },
        { "video/mp4", [.. "ftyp"u8, 0, 0, 0, 0] },
        { "video/webm", [0x1A, 0x45, 0xDF] },
        { "audio/mpeg", [0xFF, 0xD8, 0xFF, 0xE0] },
        { "audio/mpeg", [0xFF, 0xE9, 0x90, 0x64] },
        { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", [.. "%PDF-"u8] },
        { "text/csv", [(byte)'a', 0, (byte)'b'] },
        { "text/plain", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A] },
        { "text/plain", [.. "%PDF-1.7\n%"u8, 0xE2, 0xE3, 0xCF, 0xD3] },
        { "text/plain", [0xFF, 0xFE, (byte)'h', 0] },
    };

    [Theory]
    [MemberData(nameof(Impostors))]
    public void Other_content_does_not_match(string contentType, byte[] firstBytes) =>
        Assert.False(FileSignatures.Find(contentType)!.Matches(firstBytes));

    [Fact]
    public void Text_sample_may_end_in_the_middle_of_a_character()
    {
        var bytes = Encoding.UTF8.GetBytes("Привет");

        Assert.True(FileSignatures.PlainText.Matches(bytes.AsSpan(0, bytes.Length - 1)));
    }

    [Fact]
    public void Content_types_are_compared_without_case_and_parameters()
    {
        Assert.Same(FileSignatures.Csv, FileSignatures.Find("Text/CSV; charset=utf-8"));
        Assert.Null(FileSignatures.Find("image/svg+xml"));
        Assert.Null(FileSignatures.Find(null));
    }

    [Fact]
    public void Every_type_has_a_distinct_content_type_and_a_key_extension()
    {
        Assert.Equal(FileSignatures.All.Count, FileSignatures.All.Select(t => t.ContentType).Distinct().Count());
        Assert.All(FileSignatures.All, type => ObjectKeys.NewUpload(type.Extension));
    }

    [Fact]
    public void Precheck_refuses_what_the_client_declares_before_a_url_is_issued()
    {
        var rules = new UploadRules(1024, FileSignatures.Images);

        Assert.Null(rules.Precheck(null, "image/png", 1024));
        Assert.Equal(UploadProblems.TooLarge, rules.Precheck(null, "image/png", 1025)?.Code);
        Assert.Equal(UploadProblems.TypeNotAllowed, rules.Precheck(null, "application/pdf", 10)?.Code);
        Assert.Equal(("validation_failed", "size_bytes"), Refusal(rules.Precheck(null, "image/png", 0)));
        // A content type longer than any a client may declare is no accepted type, whatever it starts with.
        var overlong = rules.Precheck(null, "image/png;" + new string('x', UploadRules.ContentTypeLength), 10);
        Assert.Equal(UploadProblems.TypeNotAllowed, overlong?.Code);
        Assert.DoesNotContain("xxx", overlong?.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("photo.png", null)]
    [InlineData(" photo.png  ", null)]
    [InlineData("", "file_name")]
    [InlineData("   ", "file_name")]
    [InlineData(null, "file_name")]
    [InlineData("a/b.png", "file_name")]
    [InlineData("a\\b.png", "file_name")]
    [InlineData("a\u0007.png", "file_name")]
    [InlineData("abcdefghijklm", "file_name")]
    [InlineData("  photo.png  ", "file_name")]
    public void Precheck_checks_the_file_name_where_the_purpose_keeps_one(string? fileName, string? field)
    {
        var rules = new UploadRules(1024, FileSignatures.Images, fileNameLength: 12);

        Assert.Equal(field, rules.Precheck(fileName, "image/png", 10)?.Field);
        // The name comes first: a declared upload wrong in several ways is answered about its name.
        Assert.Equal(field ?? "size_bytes", rules.Precheck(fileName, "application/pdf", 0)?.Field);
    }

    private static (string?, string?) Refusal(UploadProblem? problem) => (problem?.Code, problem?.Field);
}
