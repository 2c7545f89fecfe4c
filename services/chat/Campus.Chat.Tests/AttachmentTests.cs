using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3.Model;
using Campus.Chat.Attachments;
using Campus.Chat.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Campus.Chat.Tests.ChatTestClient;

namespace Campus.Chat.Tests;

/// <summary>Attachments: presigned PUT straight to S3, verified on confirm, attached to a message, read with a presigned GET.</summary>
public sealed class AttachmentTests(ChatFactory factory) : IClassFixture<ChatFactory>
{
    private static readonly HttpClient Browser = new();
    private readonly Guid _alice = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    [Fact]
    public async Task A_verified_upload_is_attached_to_a_message_and_participants_download_it()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var bob = factory.ClientFor(factory.Jwt, _bob);
        using var stranger = factory.ClientFor(factory.Jwt, Guid.NewGuid());
        var chat = await alice.CreateGroupAsync(_bob);
        var png = TestImages.Png(40, 30);

        var id = await UploadAsync(alice, chat, "diagram.png", "image/png", png);
        var confirm = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/complete", null, Ct);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(png.Length, (await confirm.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("size_bytes").GetInt64());

        var posted = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages",
            new { body = "see the diagram", client_msg_id = "a1", attachment_ids = new[] { id } }, Ct);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var attachment = (await posted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("attachments").EnumerateArray().Single();
        Assert.Equal(("diagram.png", "image/png"), (attachment.GetProperty("file_name").GetString(), attachment.GetProperty("content_type").GetString()));

        var download = await bob.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/attachments/{id}", Ct);
        Assert.Equal(png, await Browser.GetByteArrayAsync(download.GetProperty("url").GetString(), Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/chat/chats/{chat}/attachments/{id}", Ct)).StatusCode);

        var retry = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages",
            new { body = "see the diagram", client_msg_id = "a1", attachment_ids = new[] { id } }, Ct);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);

        // Attached once only.
        var reuse = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "again", client_msg_id = "again", attachment_ids = new[] { id } }, Ct);
        await AssertFieldErrorAsync(reuse, "invalid_attachment", "attachment_ids");

        // Counted once for Alice's day: the retry answered the stored message, the refused post wrote nothing.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        Assert.Equal(1, await db.ActivityCounts.AsNoTracking().Where(c => c.UserId == _alice).SumAsync(c => c.Messages, Ct));
    }

    [Fact]
    public async Task An_upload_that_is_not_what_was_declared_is_refused_at_confirm_and_deleted()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        var checkedBefore = await CountAsync("checked/");
        var (id, upload) = await UploadWithUrlAsync(alice, chat, "fake.png", "image/png", "MZ this is no image"u8.ToArray());

        var posted = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "x", client_msg_id = "x", attachment_ids = new[] { id } }, Ct);
        await AssertFieldErrorAsync(posted, "invalid_attachment", "attachment_ids"); // not confirmed yet
        var confirm = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/confirm", null, Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, confirm.StatusCode);
        Assert.Equal("upload_content_mismatch", await CodeAsync(confirm));
        Assert.Equal(0, await CountAsync(UploadKey(upload)));
        Assert.Equal(checkedBefore, await CountAsync("checked/"));
        Assert.Equal(HttpStatusCode.NotFound, (await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/confirm", null, Ct)).StatusCode);
    }

    [Theory]
    [InlineData("x.bin", "application/x-msdownload", 1000, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("x.bin", "application/pdf", 21 * 1024 * 1024, HttpStatusCode.RequestEntityTooLarge, "too_large")]
    [InlineData("x.bin", "application/pdf", 0, HttpStatusCode.BadRequest, "validation_failed")]
    [InlineData("../x.pdf", "application/pdf", 10, HttpStatusCode.BadRequest, "validation_failed")]
    public async Task Upload_urls_are_refused_for_other_types_and_large_files(
        string fileName, string contentType, long size, HttpStatusCode status, string code)
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync();
        // The codes and statuses of every service's upload-url, on the route and on its deprecated alias alike.
        foreach (var path in new[] { "attachments/upload-url", "attachments" })
        {
            var response = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/{path}",
                new { file_name = fileName, content_type = contentType, size_bytes = size }, Ct);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(code, await CodeAsync(response));
        }
    }

    [Fact]
    public async Task Completing_before_uploading_is_409_upload_missing_and_the_upload_can_still_be_completed()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        var png = TestImages.Png(16, 16);
        var response = await RequestUploadAsync(alice, chat, "photo.png", "image/png", png.Length);
        // 200 without a Location: the upload is no resource a GET answers before it is completed.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var upload = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = upload.GetProperty("id").GetGuid();

        var early = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/complete", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("upload_missing", await CodeAsync(early));

        await PresignedUpload.PutAsync(upload, png, "image/png");
        var completed = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/complete", null, Ct);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/chat/chats/{chat}/attachments/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task An_attachment_replaced_through_its_upload_url_after_confirm_is_delivered_as_checked()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var bob = factory.ClientFor(factory.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        var png = TestImages.Png(16, 16);
        var (id, upload) = await UploadWithUrlAsync(alice, chat, "photo.png", "image/png", png);
        var confirm = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/confirm", null, Ct);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var posted = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "photo", client_msg_id = "photo", attachment_ids = new[] { id } }, Ct);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        // The upload URL is still valid: 25 MB of anything, under the name of the checked image.
        var replacement = new byte[25 * 1024 * 1024];
        Random.Shared.NextBytes(replacement);
        await PresignedUpload.PutAsync(upload, replacement, "image/png");

        var download = await bob.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/attachments/{id}", Ct);
        Assert.Equal(png.Length, download.GetProperty("size_bytes").GetInt64());
        Assert.Equal(png, await Browser.GetByteArrayAsync(download.GetProperty("url").GetString(), Ct));
    }

    [Fact]
    public async Task An_upload_larger_than_declared_is_refused_at_confirm()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        var png = TestImages.Png(16, 16);
        var response = await RequestUploadAsync(alice, chat, "photo.png", "image/png", png.Length);
        var upload = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        await PresignedUpload.PutAsync(upload, [.. png, .. new byte[100_000]], "image/png");

        var confirm = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{upload.GetProperty("id").GetGuid()}/confirm", null, Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, confirm.StatusCode);
        Assert.Equal("upload_size_mismatch", await CodeAsync(confirm));
    }

    [Fact]
    public async Task A_confirm_whose_commit_failed_is_repeated_successfully_and_the_upload_is_deleted_only_after_the_commit()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        var png = TestImages.Png(24, 24);
        var (id, upload) = await UploadWithUrlAsync(alice, chat, "photo.png", "image/png", png);

        factory.Commits.FailNext(db => db.ChangeTracker.Entries<Attachment>().Any(e => e.Entity.Id == id && e.Entity.Status == AttachmentStatus.Ready));
        var failed = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/confirm", null, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(1, await CountAsync(UploadKey(upload)));

        var retried = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/confirm", null, Ct);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(0, await CountAsync(UploadKey(upload)));
        var download = await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/attachments/{id}", Ct);
        Assert.Equal(png, await Browser.GetByteArrayAsync(download.GetProperty("url").GetString(), Ct));
    }

    [Fact]
    public async Task Confirming_an_attachment_created_before_the_upload_area_is_upload_missing_not_an_error()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        var png = TestImages.Png(16, 16);
        var id = await UploadAsync(alice, chat, "old.png", "image/png", png);
        // A row from before uploads had keys of their own area: "{chat}/{random}", with an object a client could still write.
        var legacyKey = $"{chat}/{Guid.NewGuid():N}.png";
        await using (var db = factory.Database.CreateContext())
        {
            await db.Attachments.Where(a => a.Id == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Key, legacyKey), Ct);
        }
        await factory.Buckets.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = factory.Buckets.BucketName("chat-attachments"), Key = legacyKey, InputStream = new MemoryStream(png),
            ContentType = "image/png", UseChunkEncoding = false,
        }, Ct);

        var confirm = await alice.PostAsync($"/api/chat/chats/{chat}/attachments/{id}/confirm", null, Ct);

        // The answer confirm gives when nothing was uploaded.
        Assert.Equal(HttpStatusCode.Conflict, confirm.StatusCode);
        Assert.Equal("upload_missing", await CodeAsync(confirm));
        await using (var db = factory.Database.CreateContext())
        {
            var attachment = await db.Attachments.AsNoTracking().SingleAsync(a => a.Id == id, Ct);
            Assert.Equal((legacyKey, AttachmentStatus.Pending), (attachment.Key, attachment.Status));
        }
    }

    private async Task<int> CountAsync(string prefix)
    {
        var listed = await factory.Buckets.Client.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = factory.Buckets.BucketName("chat-attachments"), Prefix = prefix }, Ct);
        return listed.S3Objects?.Count ?? 0;
    }

    /// <summary>The object key of a presigned upload URL (path: /{bucket}/{key}).</summary>
    private static string UploadKey(JsonElement upload) =>
        string.Join('/', new Uri(upload.GetProperty("upload_url").GetString()!).AbsolutePath.Split('/').Skip(2));

    private static Task<HttpResponseMessage> RequestUploadAsync(HttpClient client, Guid chat, string fileName, string contentType, long size) =>
        client.PostAsJsonAsync($"/api/chat/chats/{chat}/attachments/upload-url",
            new { file_name = fileName, content_type = contentType, size_bytes = size }, Ct);

    private static async Task<Guid> UploadAsync(HttpClient client, Guid chat, string fileName, string contentType, byte[] content) =>
        (await UploadWithUrlAsync(client, chat, fileName, contentType, content)).Id;

    private static async Task<(Guid Id, JsonElement Upload)> UploadWithUrlAsync(HttpClient client, Guid chat, string fileName, string contentType, byte[] content)
    {
        var response = await RequestUploadAsync(client, chat, fileName, contentType, content.Length);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upload = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        await PresignedUpload.PutAsync(upload, content, contentType);
        return (upload.GetProperty("id").GetGuid(), upload);
    }
}
