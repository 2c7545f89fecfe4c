using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3.Model;
using Campus.Content.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Tests;

public sealed class MediaTests(ContentFactory factory) : IClassFixture<ContentFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("image/png", 1000L, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("application/pdf", 1000L, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("video/mp4", 5L * 1024 * 1024 * 1024 + 1, HttpStatusCode.RequestEntityTooLarge, "too_large")]
    [InlineData("video/mp4", 0L, HttpStatusCode.BadRequest, "validation_failed")]
    public async Task Upload_url_refuses_what_is_declared_wrongly(string contentType, long size, HttpStatusCode status, string code)
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var response = await author.PostAsJsonAsync("/api/content/media/upload-url", new { file_name = "a.mp4", content_type = contentType, size_bytes = size }, Ct);
        await AssertProblemAsync(response, status, code);
    }

    [Fact]
    public async Task Upload_url_is_for_authors_and_needs_a_file_name()
    {
        using var student = factory.ClientFor(Guid.NewGuid());
        using (var refused = await student.PostAsJsonAsync("/api/content/media/upload-url", new { file_name = "a.mp4", content_type = "video/mp4", size_bytes = 10 }, Ct))
        {
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "forbidden");
        }
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var nameless = await author.PostAsJsonAsync("/api/content/media/upload-url", new { content_type = "video/mp4", size_bytes = 10 }, Ct);
        var problem = await nameless.ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("file_name", out _));
    }

    [Theory]
    [InlineData("video/mp4")]
    [InlineData("video/quicktime")]
    [InlineData("video/webm")]
    [InlineData("video/x-matroska")]
    public async Task Each_video_type_gets_a_single_put_with_its_content_type_signed(string contentType)
    {
        var me = Guid.NewGuid();
        using var author = factory.ClientFor(me, "author");
        using var response = await author.PostAsJsonAsync("/api/content/media/upload-url", new { file_name = "clip", content_type = contentType, size_bytes = 1000 }, Ct);
        var upload = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(contentType, upload.GetProperty("headers").EnumerateObject().Single().Value.GetString());
        Assert.Contains("X-Amz-Signature=", upload.GetProperty("upload_url").GetString());
        Assert.Equal(JsonValueKind.Null, upload.GetProperty("multipart").ValueKind);
        Assert.True(upload.GetProperty("expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(30));
        var media = await factory.QueryAsync(db => db.MediaFiles.SingleAsync(m => m.Id == upload.GetProperty("id").GetGuid(), Ct));
        Assert.Equal((MediaStatus.Uploading, me, "clip"), (media.Status, media.OwnerId, media.Filename));
        // The name before every upload answered `id`, still written (deprecated in the contract).
        Assert.Equal(media.Id, upload.GetProperty("media_id").GetGuid());
    }

    [Fact]
    public async Task Complete_queues_a_job_writes_the_message_through_the_outbox_and_a_repeat_changes_nothing()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        await using var queue = await BrokerProbe.BindAsync(factory.Broker, "content.transcode.requested");
        var id = await author.UploadVideoAsync(ContentClient.Mp4());

        using (var complete = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
            var status = await complete.ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(("queued", 0), (status.GetProperty("status").GetString(), status.GetProperty("progress").GetInt32()));
        }
        using (var again = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
            Assert.Equal("queued", (await again.ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        var job = await factory.QueryAsync(db => db.TranscodeJobs.SingleAsync(j => j.MediaId == id, Ct));
        Assert.Equal((TranscodeStatus.Queued, 0), (job.Status, job.Attempts));
        var message = Assert.Single(await queue.CollectAsync(m => m.GetProperty("media_id").GetGuid() == id, TimeSpan.FromSeconds(3)));
        Assert.Equal(("content.transcode.requested", job.Id), (message.GetProperty("type").GetString(), message.GetProperty("job_id").GetGuid()));
        var media = await factory.QueryAsync(db => db.MediaFiles.SingleAsync(m => m.Id == id, Ct));
        Assert.Equal((MediaStatus.Queued, 4096L), (media.Status, media.SizeBytes));
    }

    [Fact]
    public async Task Concurrent_completes_queue_exactly_one_job()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var id = await author.UploadVideoAsync(ContentClient.Mp4());

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var response = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }));

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, "queued"), a));
        Assert.Equal(1, await factory.QueryAsync(db => db.TranscodeJobs.CountAsync(j => j.MediaId == id, Ct)));
        Assert.Equal(1, await factory.QueryAsync(db => db.Database
            .SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM outbox_messages WHERE routing_key = 'content.transcode.requested' AND payload->>'media_id' = {id.ToString()}")
            .SingleAsync(Ct)));
    }

    [Fact]
    public async Task Complete_refuses_random_bytes_named_mp4_and_deletes_them()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var garbage = new byte[4096];
        Random.Shared.NextBytes(garbage);
        garbage[4] = 0; // never "ftyp" by chance
        var id = await author.UploadVideoAsync(garbage);

        using (var complete = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
            await AssertProblemAsync(complete, HttpStatusCode.UnprocessableEntity, "upload_content_mismatch");
        }

        var status = await author.GetFromJsonAsync<JsonElement>($"/api/content/media/{id}/status", Ct);
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Contains("not video/mp4", status.GetProperty("error").GetString());
        Assert.Empty(await ObjectsAsync(await SourceKeyAsync(id)));
        Assert.False(await factory.QueryAsync(db => db.TranscodeJobs.AnyAsync(j => j.MediaId == id, Ct)));

        using var again = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct);
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "media_failed");
        using var retry = await author.PostAsync($"/api/content/media/{id}/retry", null, Ct);
        await AssertProblemAsync(retry, HttpStatusCode.Conflict, "source_missing");
    }

    [Fact]
    public async Task Complete_refuses_a_size_other_than_declared_and_answers_409_before_any_upload()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var response = await author.PostAsJsonAsync("/api/content/media/upload-url", new { file_name = "a.mp4", content_type = "video/mp4", size_bytes = 5000 }, Ct);
        var upload = await response.ExpectAsync(HttpStatusCode.OK);
        var id = upload.GetProperty("id").GetGuid();

        using (var early = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
            await AssertProblemAsync(early, HttpStatusCode.Conflict, "upload_missing");
        }
        await PresignedUpload.PutAsync(upload, ContentClient.Mp4(4096));
        using var complete = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct);
        await AssertProblemAsync(complete, HttpStatusCode.UnprocessableEntity, "upload_size_mismatch");
        Assert.Empty(await ObjectsAsync(await SourceKeyAsync(id)));
    }

    [Fact]
    public async Task A_large_video_is_uploaded_in_presigned_parts_and_completed_with_their_etags()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var content = ContentClient.Mp4((int)ContentFactory.MultipartThreshold + 1024 * 1024);
        using var response = await author.PostAsJsonAsync("/api/content/media/upload-url",
            new { file_name = "long.mp4", content_type = "video/mp4", size_bytes = content.Length }, Ct);
        var upload = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, upload.GetProperty("upload_url").ValueKind);
        var multipart = upload.GetProperty("multipart");
        var partSize = multipart.GetProperty("part_size").GetInt32();
        var parts = multipart.GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal(2, parts.Count);
        var id = upload.GetProperty("id").GetGuid();

        using (var withoutParts = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
            await AssertProblemAsync(withoutParts, HttpStatusCode.BadRequest, "validation_failed");
        }
        // The parts' bounds of the contract: a part number past S3's 10,000, an ETag past 128 characters.
        foreach (var part in new object[] { new { part_number = 10_001, etag = "\"e\"" }, new { part_number = 1, etag = new string('e', 129) } })
        {
            using var outOfBounds = await author.PostAsJsonAsync($"/api/content/media/{id}/complete", new { parts = new[] { part } }, Ct);
            await AssertFieldErrorAsync(outOfBounds, "validation_failed", "parts");
        }
        var etags = new List<object>();
        foreach (var part in parts)
        {
            var number = part.GetProperty("part_number").GetInt32();
            var offset = (number - 1) * partSize;
            using var put = await ContentClient.Browser.PutAsync(part.GetProperty("url").GetString(),
                new ByteArrayContent(content, offset, Math.Min(partSize, content.Length - offset)), Ct);
            Assert.True(put.IsSuccessStatusCode, $"part {number}: {(int)put.StatusCode}");
            etags.Add(new { part_number = number, etag = put.Headers.ETag!.Tag });
        }

        var uploadKey = await SourceKeyAsync(id);
        using var complete = await author.PostAsJsonAsync($"/api/content/media/{id}/complete", new { parts = etags }, Ct);
        Assert.Equal("queued", (await complete.ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
        // Assembled under the upload key, then promoted: the part URLs can never reach the source the worker reads.
        var sourceKey = await SourceKeyAsync(id);
        Assert.StartsWith("checked/", sourceKey, StringComparison.Ordinal);
        var stored = Assert.Single(await ObjectsAsync(sourceKey));
        Assert.Equal(content.Length, stored.Size);
        Assert.Empty(await ObjectsAsync(uploadKey));
    }

    [Fact]
    public async Task Retry_requeues_only_a_failed_video_with_a_new_job_and_message()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        await using var queue = await BrokerProbe.BindAsync(factory.Broker, "content.transcode.requested");
        var id = await author.UploadVideoAsync(ContentClient.Mp4());
        using (await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
        }
        using (var early = await author.PostAsync($"/api/content/media/{id}/retry", null, Ct))
        {
            await AssertProblemAsync(early, HttpStatusCode.Conflict, "media_not_failed");
        }

        // What the worker does when it gives up.
        await factory.QueryAsync(async db =>
        {
            await db.TranscodeJobs.Where(j => j.MediaId == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, TranscodeStatus.Failed), Ct);
            return await db.MediaFiles.Where(m => m.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MediaStatus.Failed).SetProperty(m => m.Progress, 40).SetProperty(m => m.Error, "moov atom not found"), Ct);
        });
        using (var student = factory.ClientFor(Guid.NewGuid()))
        using (var forbidden = await student.PostAsync($"/api/content/media/{id}/retry", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }
        using (var other = factory.ClientFor(Guid.NewGuid(), "author"))
        using (var notTheirs = await other.PostAsync($"/api/content/media/{id}/retry", null, Ct))
        {
            await AssertProblemAsync(notTheirs, HttpStatusCode.NotFound, "media_not_found");
        }

        using var retry = await author.PostAsync($"/api/content/media/{id}/retry", null, Ct);
        var status = await retry.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("queued", 0, JsonValueKind.Null), (status.GetProperty("status").GetString(), status.GetProperty("progress").GetInt32(), status.GetProperty("error").ValueKind));
        var jobs = await factory.QueryAsync(db => db.TranscodeJobs.Where(j => j.MediaId == id).OrderBy(j => j.CreatedAt).ToListAsync(Ct));
        Assert.Equal([TranscodeStatus.Failed, TranscodeStatus.Queued], jobs.Select(j => j.Status));
        var messages = await queue.CollectAsync(m => m.GetProperty("media_id").GetGuid() == id, TimeSpan.FromSeconds(3));
        Assert.Equal(jobs.Select(j => j.Id), messages.Select(m => m.GetProperty("job_id").GetGuid()));
    }

    [Fact]
    public async Task Status_shows_the_transcode_state_to_the_owner_and_404_to_students()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var id = await author.UploadVideoAsync(ContentClient.Mp4());
        await factory.QueryAsync(db => db.MediaFiles.Where(m => m.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, MediaStatus.Processing).SetProperty(m => m.Progress, 42)
            .SetProperty(m => m.DurationSeconds, 5.0).SetProperty(m => m.Renditions, new[] { 480, 720 }), Ct));

        var status = await author.GetFromJsonAsync<JsonElement>($"/api/content/media/{id}/status", Ct);
        Assert.Equal(("processing", 42, 5.0), (status.GetProperty("status").GetString(), status.GetProperty("progress").GetInt32(), status.GetProperty("duration_seconds").GetDouble()));
        Assert.Equal([480, 720], status.GetProperty("renditions").EnumerateArray().Select(r => r.GetInt32()));
        Assert.Equal(JsonValueKind.Null, status.GetProperty("error").ValueKind);

        using var student = factory.ClientFor(Guid.NewGuid());
        using var hidden = await student.GetAsync($"/api/content/media/{id}/status", Ct);
        await AssertProblemAsync(hidden, HttpStatusCode.NotFound, "media_not_found");
    }

    [Fact]
    public async Task An_author_lists_only_their_own_videos_newest_first()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var first = await author.UploadVideoAsync(ContentClient.Mp4());
        var second = await author.UploadVideoAsync(ContentClient.Mp4());
        using var other = factory.ClientFor(Guid.NewGuid(), "author");
        await other.UploadVideoAsync(ContentClient.Mp4());

        var page = await author.GetFromJsonAsync<JsonElement>("/api/content/media?limit=10", Ct);
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal([second, first], page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Video_replaced_through_its_upload_url_after_complete_is_not_the_source_that_gets_transcoded()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var checkedBytes = ContentClient.Mp4();
        using var response = await author.PostAsJsonAsync("/api/content/media/upload-url",
            new { file_name = "lecture.m3u8", content_type = "video/mp4", size_bytes = checkedBytes.Length }, Ct);
        var upload = await response.ExpectAsync(HttpStatusCode.OK);
        await PresignedUpload.PutAsync(upload, checkedBytes);
        var id = upload.GetProperty("id").GetGuid();
        var uploadKey = await SourceKeyAsync(id);

        using (var complete = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
            await complete.ExpectAsync(HttpStatusCode.OK);
        }
        // The URL stays valid for hours: the author swaps in bytes nobody checked.
        await PresignedUpload.PutAsync(upload, "#EXTM3U\n#EXTINF:2,\n/etc/campus/secret.mp4\n"u8.ToArray());

        var sourceKey = await SourceKeyAsync(id);
        Assert.NotEqual(uploadKey, sourceKey);
        Assert.Matches("^checked/[0-9a-f]{32}\\.mp4$", sourceKey);
        Assert.StartsWith("incoming/", uploadKey, StringComparison.Ordinal);
        using var source = await factory.Buckets.Client.GetObjectAsync(factory.Buckets.BucketName("media-uploads"), sourceKey, Ct);
        using var read = new MemoryStream();
        await source.ResponseStream.CopyToAsync(read, Ct);
        Assert.Equal(checkedBytes, read.ToArray());
    }

    [Fact]
    public async Task Retry_never_queues_a_source_that_was_not_checked()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var id = await author.UploadVideoAsync(ContentClient.Mp4());
        // Failed before its check (the sweeper's expiry): the row still names the upload key, which the client can fill.
        await factory.QueryAsync(db => db.MediaFiles.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MediaStatus.Failed), Ct));

        using var retry = await author.PostAsync($"/api/content/media/{id}/retry", null, Ct);

        await AssertProblemAsync(retry, HttpStatusCode.Conflict, "source_missing");
        Assert.Equal(0, await factory.QueryAsync(db => db.TranscodeJobs.CountAsync(j => j.MediaId == id, Ct)));
    }

    [Fact]
    public async Task A_complete_whose_commit_failed_is_repeated_successfully_and_the_upload_is_deleted_only_after_the_commit()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var bytes = ContentClient.Mp4();
        var id = await author.UploadVideoAsync(bytes);
        var uploadKey = await SourceKeyAsync(id);

        // The database goes away at the commit: the video is not queued, and its upload must still be there.
        factory.Commits.FailNext(db => db.ChangeTracker.Entries<TranscodeJob>().Any(e => e.Entity.MediaId == id));
        using (var failed = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct))
        {
            await AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable, "database_unavailable");
        }
        Assert.Equal(uploadKey, await SourceKeyAsync(id));
        Assert.Single(await ObjectsAsync(uploadKey));

        using var retried = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct);

        Assert.Equal("queued", (await retried.ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
        var sourceKey = await SourceKeyAsync(id);
        Assert.Matches("^checked/[0-9a-f]{32}\\.mp4$", sourceKey);
        Assert.Equal(bytes.Length, Assert.Single(await ObjectsAsync(sourceKey)).Size);
        Assert.Empty(await ObjectsAsync(uploadKey));
        Assert.Equal(1, await factory.QueryAsync(db => db.TranscodeJobs.CountAsync(j => j.MediaId == id, Ct)));
    }

    [Fact]
    public async Task Complete_of_a_video_registered_before_the_upload_area_is_409_upload_missing_and_nothing_is_promoted()
    {
        var owner = Guid.NewGuid();
        using var author = factory.ClientFor(owner, "author");
        var id = await author.UploadVideoAsync(ContentClient.Mp4());
        // A row from before uploads had keys of their own area: "{owner}/{random}", with an object a client could still write.
        var legacyKey = $"{owner}/{Guid.NewGuid():N}.mp4";
        await factory.QueryAsync(db => db.MediaFiles.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.SourceKey, legacyKey), Ct));
        await factory.Buckets.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = factory.Buckets.BucketName("media-uploads"), Key = legacyKey, InputStream = new MemoryStream(ContentClient.Mp4()),
            ContentType = "video/mp4", UseChunkEncoding = false,
        }, Ct);

        using var complete = await author.PostAsync($"/api/content/media/{id}/complete", null, Ct);

        await AssertProblemAsync(complete, HttpStatusCode.Conflict, "upload_missing");
        Assert.Equal(legacyKey, await SourceKeyAsync(id));
        Assert.Equal(MediaStatus.Uploading, await factory.QueryAsync(db => db.MediaFiles.Where(m => m.Id == id).Select(m => m.Status).SingleAsync(Ct)));
        Assert.False(await factory.QueryAsync(db => db.TranscodeJobs.AnyAsync(j => j.MediaId == id, Ct)));
    }

    private Task<string> SourceKeyAsync(Guid id) => factory.QueryAsync(db => db.MediaFiles.Where(m => m.Id == id).Select(m => m.SourceKey).SingleAsync(Ct));

    private async Task<List<S3Object>> ObjectsAsync(string key)
    {
        var listed = await factory.Buckets.Client.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = factory.Buckets.BucketName("media-uploads"), Prefix = key }, Ct);
        return listed.S3Objects ?? [];
    }
}
