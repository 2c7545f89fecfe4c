using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3.Model;
using Campus.Profile.Avatars;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Tests;

public sealed class AvatarTests(ProfileFactory factory) : IClassFixture<ProfileFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HttpClient Browser = new();

    [Fact]
    public async Task A_png_uploaded_straight_to_s3_becomes_the_avatar_and_replaces_the_previous_one()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var first = TestImages.Png(32, 32);

        var (firstId, firstKey) = await UploadAsync(client, first, "image/png");
        var confirmed = await CompleteAsync(client, firstId);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var avatarUrl = (await confirmed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("avatar_url").GetString()!;
        Assert.Equal(first, await Browser.GetByteArrayAsync(avatarUrl, Ct));

        var second = TestImages.Png(64, 48);
        var (secondId, secondKey) = await UploadAsync(client, second, "image/png");
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(client, secondId)).StatusCode);

        var profile = await client.GetFromJsonAsync<JsonElement>("/api/profile", Ct);
        Assert.Equal(second, await Browser.GetByteArrayAsync(profile.GetProperty("avatar_url").GetString(), Ct));
        var checkedKeys = await factory.QueryAsync(db => db.AvatarUploads.Where(u => u.UserId == me).Select(u => u.CheckedKey!).ToListAsync(Ct));
        Assert.Equal(2, checkedKeys.Count);
        // The first avatar's copy was deleted with it; neither upload key is left.
        Assert.Equal([await AvatarKeyAsync(me)], [.. (await ExistingAsync([.. checkedKeys, firstKey, secondKey]))]);
        var history = await client.GetFromJsonAsync<JsonElement>("/api/profile/history", Ct);
        Assert.Equal(2, history.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("field").GetString() == "avatar"));
    }

    [Theory]
    [InlineData("image/gif", 1000, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("text/plain", 1000, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("image/png", 6 * 1024 * 1024, HttpStatusCode.RequestEntityTooLarge, "too_large")]
    public async Task Upload_url_refuses_other_types_and_large_files(string contentType, long size, HttpStatusCode status, string code)
    {
        using var client = factory.ClientFor(Guid.NewGuid());
        var response = await client.PostAsJsonAsync("/api/profile/avatar/upload-url", new { content_type = contentType, size_bytes = size }, Ct);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await CodeAsync(response));
    }

    [Fact]
    public async Task Text_sent_as_png_is_refused_and_deleted()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var (id, key) = await UploadAsync(client, "hello, I am not an image"u8.ToArray(), "image/png");

        var confirm = await CompleteAsync(client, id);

        // The code of every service's upload check: the bytes are not what the content type says.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, confirm.StatusCode);
        Assert.Equal("upload_content_mismatch", await CodeAsync(confirm));
        Assert.Empty(await ExistingAsync([key]));
        Assert.Null(await AvatarKeyAsync(me));
        Assert.Equal(JsonValueKind.Null, (await client.GetFromJsonAsync<JsonElement>("/api/profile", Ct)).GetProperty("avatar_url").ValueKind);
    }

    public static TheoryData<string, byte[], string> LiedUploads => new()
    {
        { "gif", TestImages.Gif(), "upload_size_mismatch" },
        { "6 MB", [.. TestImages.Png(16, 16), .. new byte[6 * 1024 * 1024]], "too_large" },
        { "empty", [], "upload_size_mismatch" },
        { "a good image of another size than declared", TestImages.Png(32, 32), "upload_size_mismatch" },
    };

    [Theory]
    [MemberData(nameof(LiedUploads))]
    public async Task An_upload_that_is_not_what_was_declared_is_refused_at_confirm_and_deleted(string what, byte[] content, string code)
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var (id, key) = await UploadAsync(client, content, "image/png", declaredSize: 1000);

        var confirm = await CompleteAsync(client, id);

        Assert.True(confirm.StatusCode == HttpStatusCode.UnprocessableEntity, what);
        Assert.Equal(code, await CodeAsync(confirm));
        Assert.Empty(await ExistingAsync([key]));
        Assert.Null(await AvatarKeyAsync(me));
    }

    [Fact]
    public async Task A_png_with_absurd_dimensions_is_refused_and_deleted()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var (id, key) = await UploadAsync(client, TestImages.Png(1, 1), "image/png");

        var confirm = await CompleteAsync(client, id);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, confirm.StatusCode);
        Assert.Equal("invalid_image", await CodeAsync(confirm));
        Assert.Empty(await ExistingAsync([key]));
        Assert.Null(await AvatarKeyAsync(me));
    }

    [Fact]
    public async Task An_upload_of_another_user_does_not_exist_for_the_caller()
    {
        var owner = Guid.NewGuid();
        using var ownerClient = factory.ClientFor(owner);
        var (id, key) = await UploadAsync(ownerClient, TestImages.Png(32, 32), "image/png");
        using var thief = factory.ClientFor(Guid.NewGuid());

        var complete = await CompleteAsync(thief, id);
        var unknown = await CompleteAsync(ownerClient, Guid.NewGuid());

        Assert.Equal(HttpStatusCode.NotFound, complete.StatusCode);
        Assert.Equal("upload_not_found", await CodeAsync(complete));
        Assert.Equal("upload_not_found", await CodeAsync(unknown));
        Assert.Equal([key], await ExistingAsync([key]));
        Assert.Null(await AvatarKeyAsync(owner));
    }

    [Fact]
    public async Task A_key_issued_to_another_user_is_refused_by_the_deprecated_confirm()
    {
        var owner = Guid.NewGuid();
        using var ownerClient = factory.ClientFor(owner);
        var (_, key) = await UploadAsync(ownerClient, TestImages.Png(32, 32), "image/png");
        using var thief = factory.ClientFor(Guid.NewGuid());

        var confirm = await thief.PostAsJsonAsync("/api/profile/avatar/confirm", new { key }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, confirm.StatusCode);
        Assert.Equal("key_not_owned", await CodeAsync(confirm));
        Assert.Equal([key], await ExistingAsync([key]));
    }

    [Fact]
    public async Task Completing_before_uploading_is_409_upload_missing()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var response = await client.PostAsJsonAsync("/api/profile/avatar/upload-url", new { content_type = "image/png", size_bytes = 100 }, Ct);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        var confirm = await CompleteAsync(client, id);

        Assert.Equal(HttpStatusCode.Conflict, confirm.StatusCode);
        Assert.Equal("upload_missing", await CodeAsync(confirm));
    }

    [Fact]
    public async Task Upload_keys_are_random_and_name_no_user_and_the_deprecated_confirm_still_works()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);

        var (_, key) = await UploadAsync(client, TestImages.Png(32, 32), "image/png");
        var confirm = await client.PostAsJsonAsync("/api/profile/avatar/confirm", new { key }, Ct);

        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Matches("^incoming/[0-9a-f]{32}\\.png$", key);
        Assert.Matches("^checked/[0-9a-f]{32}\\.png$", await AvatarKeyAsync(me));
        Assert.DoesNotContain(me.ToString(), (await confirm.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("avatar_url").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_avatar_replaced_through_its_upload_url_after_confirm_still_serves_the_checked_image()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var png = TestImages.Png(32, 32);
        var response = await client.PostAsJsonAsync("/api/profile/avatar/upload-url", new { content_type = "image/png", size_bytes = png.Length }, Ct);
        var upload = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        await PresignedUpload.PutAsync(upload, png, "image/png");
        var confirm = await CompleteAsync(client, upload.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);

        // The URL is still valid: 6 MB of HTML where the checked image was.
        var html = System.Text.Encoding.UTF8.GetBytes("<html><script>alert(1)</script>" + new string(' ', 6 * 1024 * 1024) + "</html>");
        await PresignedUpload.PutAsync(upload, html, "image/png");

        var profile = await client.GetFromJsonAsync<JsonElement>("/api/profile", Ct);
        Assert.Equal(png, await Browser.GetByteArrayAsync(profile.GetProperty("avatar_url").GetString(), Ct));
        // A repeated complete of the same upload changes nothing.
        var again = await CompleteAsync(client, upload.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(png, await Browser.GetByteArrayAsync((await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("avatar_url").GetString(), Ct));
    }

    [Fact]
    public async Task A_confirm_whose_commit_failed_is_repeated_successfully_and_the_upload_is_deleted_only_after_the_commit()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var png = TestImages.Png(40, 40);
        var (id, key) = await UploadAsync(client, png, "image/png");

        factory.Commits.FailNext(db => db.ChangeTracker.Entries<AvatarUpload>().Any(e => e.Entity.Key == key && e.Entity.CheckedKey != null));
        var failed = await CompleteAsync(client, id);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Null(await AvatarKeyAsync(me));
        Assert.Equal([key], await ExistingAsync([key]));

        var retried = await CompleteAsync(client, id);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(png, await Browser.GetByteArrayAsync((await retried.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("avatar_url").GetString(), Ct));
        Assert.Matches("^checked/[0-9a-f]{32}\\.png$", await AvatarKeyAsync(me));
        Assert.Empty(await ExistingAsync([key]));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03 }, 640, 480)]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x04 }, 0, 0)]
    public void Jpeg_dimensions_come_from_the_frame_header(byte[] bytes, int width, int height)
    {
        var size = ImageHeader.Read(bytes, "image/jpeg");
        Assert.Equal(width == 0 ? null : (width, height), size);
    }

    /// <summary>Asks for an upload URL (declaring <paramref name="declaredSize"/>, else the real size) and PUTs <paramref name="content"/> to it as a browser would.</summary>
    private async Task<(Guid Id, string Key)> UploadAsync(HttpClient client, byte[] content, string contentType, long? declaredSize = null)
    {
        var response = await client.PostAsJsonAsync("/api/profile/avatar/upload-url", new { content_type = contentType, size_bytes = declaredSize ?? content.Length }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upload = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        await PresignedUpload.PutAsync(upload, content, contentType);
        return (upload.GetProperty("id").GetGuid(), upload.GetProperty("key").GetString()!);
    }

    /// <summary>The upload protocol's last step: <c>POST /api/profile/avatar/{id}/complete</c>, no body.</summary>
    private static Task<HttpResponseMessage> CompleteAsync(HttpClient client, Guid id) =>
        client.PostAsync($"/api/profile/avatar/{id}/complete", null, Ct);

    private Task<string?> AvatarKeyAsync(Guid user) =>
        factory.QueryAsync(db => db.Profiles.Where(p => p.UserId == user).Select(p => p.AvatarKey).FirstOrDefaultAsync(Ct));

    /// <summary>Those of <paramref name="keys"/> that exist in the avatars bucket.</summary>
    private async Task<List<string>> ExistingAsync(IEnumerable<string?> keys)
    {
        var existing = new List<string>();
        foreach (var key in keys.OfType<string>())
        {
            if ((await ListAsync(key)).Contains(key))
            {
                existing.Add(key);
            }
        }
        return existing;
    }

    private async Task<List<string>> ListAsync(string prefix)
    {
        var listed = await factory.Buckets.Client.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = factory.Buckets.BucketName("avatars"), Prefix = prefix }, Ct);
        return (listed.S3Objects ?? []).Select(o => o.Key).ToList();
    }
}
