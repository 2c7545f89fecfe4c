using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Campus.Content.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Tests;

public sealed class DocumentTests(ContentFactory factory) : IClassFixture<ContentFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pdf_goes_through_the_presigned_flow_and_downloads_under_its_name()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var pdf = ContentClient.Pdf();
        var id = await UploadAsync(author, "Syllabus 2026.pdf", "application/pdf", pdf);

        using (var complete = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct))
        {
            var document = await complete.ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(("ready", pdf.Length), (document.GetProperty("status").GetString(), document.GetProperty("size_bytes").GetInt32()));
        }
        using var download = await author.GetAsync($"/api/content/documents/{id}/download", Ct);
        Assert.Equal(HttpStatusCode.Found, download.StatusCode);
        using var file = await ContentClient.Browser.GetAsync(download.Headers.Location, Ct);
        Assert.Equal(pdf, await file.Content.ReadAsByteArrayAsync(Ct));
        Assert.Contains("Syllabus 2026.pdf", file.Content.Headers.ContentDisposition?.ToString());

        // A client that cannot follow a redirect to another host asks for the URL as JSON.
        using var link = await author.GetAsync($"/api/content/documents/{id}/download?redirect=false", Ct);
        var body = await link.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("no-store", link.Headers.CacheControl?.ToString());
        Assert.True(body.GetProperty("expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        using var again = await ContentClient.Browser.GetAsync(body.GetProperty("url").GetString(), Ct);
        Assert.Equal(pdf, await again.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task A_ready_image_becomes_a_course_cover_that_students_of_the_published_course_can_load()
    {
        var authorId = Guid.NewGuid();
        using var author = factory.ClientFor(authorId, "author");
        var png = Campus.Testing.TestImages.Png(32, 32);
        var cover = await UploadAsync(author, "cover.png", "image/png", png);
        using (await author.PostAsync($"/api/content/documents/{cover}/complete", null, Ct))
        {
        }

        using var created = await author.PostAsJsonAsync("/api/content/courses", new { title = "Illustrated", cover_document_id = cover }, Ct);
        var course = await created.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(png, await ContentClient.Browser.GetByteArrayAsync(course.GetProperty("cover_url").GetString(), Ct));

        // Another author cannot use it as their cover.
        using var other = factory.ClientFor(Guid.NewGuid(), "author");
        using (var refused = await other.PostAsJsonAsync("/api/content/courses", new { title = "Borrowed", cover_document_id = cover }, Ct))
        {
            Assert.True((await refused.ExpectAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("cover_document_id", out _));
        }

        using var student = factory.ClientFor(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await student.GetAsync($"/api/content/documents/{cover}", Ct)).StatusCode);
        await author.PublishAsync(course.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, (await student.GetAsync($"/api/content/documents/{cover}", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_docx_that_is_not_a_zip_is_refused_deleted_and_failed()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var id = await UploadAsync(author, "notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "plain text"u8.ToArray());

        using var complete = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct);
        await AssertProblemAsync(complete, HttpStatusCode.UnprocessableEntity, "upload_content_mismatch");
        var document = await author.GetFromJsonAsync<JsonElement>($"/api/content/documents/{id}", Ct);
        Assert.Equal("failed", document.GetProperty("status").GetString());
        using var download = await author.GetAsync($"/api/content/documents/{id}/download", Ct);
        await AssertProblemAsync(download, HttpStatusCode.Conflict, "document_not_ready");
    }

    [Fact]
    public async Task Upload_url_refuses_videos_and_oversized_documents()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using (var video = await author.PostAsJsonAsync("/api/content/documents/upload-url", new { file_name = "a.mp4", content_type = "video/mp4", size_bytes = 10 }, Ct))
        {
            await AssertProblemAsync(video, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }
        using var large = await author.PostAsJsonAsync("/api/content/documents/upload-url",
            new { file_name = "a.pdf", content_type = "application/pdf", size_bytes = 100L * 1024 * 1024 + 1 }, Ct);
        await AssertProblemAsync(large, HttpStatusCode.RequestEntityTooLarge, "too_large");
    }

    [Fact]
    public async Task Students_download_documents_of_published_materials_only()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        using var student = factory.ClientFor(Guid.NewGuid());
        var id = await UploadAsync(author, "slides.pdf", "application/pdf", ContentClient.Pdf());
        using (await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct))
        {
        }
        var course = await author.CreateCourseAsync("With slides");
        await author.CreateMaterialAsync(await author.CreateSectionAsync(course, "S"), new { kind = "document", title = "Slides", document_id = id });

        using (var hidden = await student.GetAsync($"/api/content/documents/{id}/download", Ct))
        {
            await AssertProblemAsync(hidden, HttpStatusCode.NotFound, "document_not_found");
        }
        await author.PublishAsync(course);
        using var visible = await student.GetAsync($"/api/content/documents/{id}/download", Ct);
        Assert.Equal(HttpStatusCode.Found, visible.StatusCode);
    }

    [Fact]
    public async Task A_document_larger_than_declared_is_refused_and_failed()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var pdf = ContentClient.Pdf();
        var upload = await UploadUrlAsync(author, "notes.pdf", "application/pdf", pdf.Length);
        await PresignedUpload.PutAsync(upload, [.. pdf, .. new byte[25_000]]);
        var id = upload.GetProperty("id").GetGuid();

        using var complete = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct);

        await AssertProblemAsync(complete, HttpStatusCode.UnprocessableEntity, "upload_size_mismatch");
        var document = await author.GetFromJsonAsync<JsonElement>($"/api/content/documents/{id}", Ct);
        Assert.Equal(("failed", pdf.Length), (document.GetProperty("status").GetString(), document.GetProperty("size_bytes").GetInt32()));
    }

    [Fact]
    public async Task A_document_replaced_through_its_upload_url_after_complete_still_downloads_the_checked_bytes()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var pdf = ContentClient.Pdf();
        var upload = await UploadUrlAsync(author, "syllabus.pdf", "application/pdf", pdf.Length);
        await PresignedUpload.PutAsync(upload, pdf);
        var id = upload.GetProperty("id").GetGuid();
        using (var complete = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct))
        {
            await complete.ExpectAsync(HttpStatusCode.OK);
        }

        await PresignedUpload.PutAsync(upload, "<html><script>alert(document.cookie)</script></html>"u8.ToArray());

        using var download = await author.GetAsync($"/api/content/documents/{id}/download", Ct);
        Assert.Equal(HttpStatusCode.Found, download.StatusCode);
        Assert.Equal(pdf, await ContentClient.Browser.GetByteArrayAsync(download.Headers.Location, Ct));
    }

    [Fact]
    public async Task Concurrent_completes_of_a_document_all_answer_ready()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var id = await UploadAsync(author, "notes.pdf", "application/pdf", ContentClient.Pdf());

        var statuses = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").ToString());
        }));

        Assert.All(statuses, s => Assert.Equal((HttpStatusCode.OK, "ready"), s));
    }

    [Fact]
    public async Task A_complete_whose_commit_failed_is_repeated_successfully_and_the_upload_is_deleted_only_after_the_commit()
    {
        using var author = factory.ClientFor(Guid.NewGuid(), "author");
        var pdf = ContentClient.Pdf();
        var id = await UploadAsync(author, "handout.pdf", "application/pdf", pdf);
        var uploadKey = await KeyAsync(id);

        factory.Commits.FailNext(db => db.ChangeTracker.Entries<Document>().Any(e => e.Entity.Id == id && e.Entity.Status == DocumentStatus.Ready));
        using (var failed = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct))
        {
            await AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable, "database_unavailable");
        }
        Assert.Equal(uploadKey, await KeyAsync(id));
        Assert.NotNull(await HeadAsync(uploadKey));

        using (var retried = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct))
        {
            Assert.Equal("ready", (await retried.ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
        }
        var key = await KeyAsync(id);
        Assert.Matches("^checked/[0-9a-f]{32}\\.pdf$", key);
        Assert.Null(await HeadAsync(uploadKey));
        using var download = await author.GetAsync($"/api/content/documents/{id}/download", Ct);
        Assert.Equal(pdf, await ContentClient.Browser.GetByteArrayAsync(download.Headers.Location, Ct));
    }

    [Fact]
    public async Task Complete_of_a_document_registered_before_the_upload_area_is_409_upload_missing()
    {
        var owner = Guid.NewGuid();
        using var author = factory.ClientFor(owner, "author");
        var id = await UploadAsync(author, "old.pdf", "application/pdf", ContentClient.Pdf());
        var legacyKey = $"{owner}/{Guid.NewGuid():N}.pdf";
        await factory.QueryAsync(db => db.Documents.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.Key, legacyKey), Ct));
        await factory.Buckets.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = factory.Buckets.BucketName("documents"), Key = legacyKey, InputStream = new MemoryStream(ContentClient.Pdf()),
            ContentType = "application/pdf", UseChunkEncoding = false,
        }, Ct);

        using var complete = await author.PostAsync($"/api/content/documents/{id}/complete", null, Ct);

        await AssertProblemAsync(complete, HttpStatusCode.Conflict, "upload_missing");
        var document = await factory.QueryAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id, Ct));
        Assert.Equal((legacyKey, DocumentStatus.Uploading), (document.Key, document.Status));
    }

    private Task<string> KeyAsync(Guid id) => factory.QueryAsync(db => db.Documents.Where(d => d.Id == id).Select(d => d.Key).SingleAsync(Ct));

    private async Task<GetObjectMetadataResponse?> HeadAsync(string key)
    {
        try
        {
            return await factory.Buckets.Client.GetObjectMetadataAsync(factory.Buckets.BucketName("documents"), key, Ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task<Guid> UploadAsync(HttpClient client, string filename, string contentType, byte[] content)
    {
        var upload = await UploadUrlAsync(client, filename, contentType, content.Length);
        await PresignedUpload.PutAsync(upload, content);
        return upload.GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> UploadUrlAsync(HttpClient client, string filename, string contentType, long size)
    {
        using var response = await client.PostAsJsonAsync("/api/content/documents/upload-url",
            new { file_name = filename, content_type = contentType, size_bytes = size }, Ct);
        return await response.ExpectAsync(HttpStatusCode.OK);
    }
}
