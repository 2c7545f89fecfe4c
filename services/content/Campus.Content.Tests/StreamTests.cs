using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3.Model;
using Campus.Content.Data;
using Campus.Testing;

namespace Campus.Content.Tests;

/// <summary>
/// Streaming of a ready video. The worker is not part of this host, so each test writes what the worker leaves
/// behind: a ready <c>media_files</c> row and a small hand-written HLS set in the HLS bucket.
/// </summary>
public sealed class StreamTests(ContentFactory factory) : IClassFixture<ContentFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_rendition_redirects_to_a_playlist_whose_every_segment_is_a_presigned_url_that_answers_200()
    {
        var owner = Guid.NewGuid();
        var id = await ReadyVideoAsync(owner);
        using var author = factory.ClientFor(owner, "author");

        using var stream = await author.GetAsync($"/api/content/media/{id}/stream?bitrate=720", Ct);
        Assert.Equal(HttpStatusCode.Found, stream.StatusCode);
        Assert.Equal("no-store", stream.Headers.CacheControl?.ToString());
        var location = stream.Headers.Location!;
        Assert.StartsWith(TestInfrastructure.S3Url, location.AbsoluteUri);

        var playlist = await ContentClient.Browser.GetStringAsync(location, Ct);
        Assert.StartsWith("#EXTM3U", playlist);
        var uris = Uris(playlist);
        Assert.Equal(2, uris.Count);
        foreach (var (uri, index) in uris.Select((u, i) => (u, i)))
        {
            Assert.Contains("X-Amz-Signature=", uri);
            Assert.Equal($"720p segment {index}", await ContentClient.Browser.GetStringAsync(uri, Ct));
        }
        Assert.Contains("#EXT-X-ENDLIST", playlist);

        // A second viewer in the same window gets the same signed playlist object, not a new one.
        using var again = await author.GetAsync($"/api/content/media/{id}/stream?bitrate=720", Ct);
        Assert.Equal(location.AbsolutePath, again.Headers.Location!.AbsolutePath);

        // redirect=false: the same URL as JSON, for a player that needs it (hls.js) or a generated client.
        using var link = await author.GetAsync($"/api/content/media/{id}/stream?bitrate=720&redirect=false", Ct);
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        Assert.Equal("no-store", link.Headers.CacheControl?.ToString());
        var body = await link.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(location.AbsolutePath, new Uri(body.GetProperty("url").GetString()!).AbsolutePath);
        Assert.True(body.GetProperty("expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.StartsWith("#EXTM3U", await ContentClient.Browser.GetStringAsync(body.GetProperty("url").GetString(), Ct));
    }

    [Fact]
    public async Task Auto_redirects_to_a_master_whose_variants_and_their_segments_are_all_reachable()
    {
        var owner = Guid.NewGuid();
        var id = await ReadyVideoAsync(owner);
        using var author = factory.ClientFor(owner, "author");

        using var stream = await author.GetAsync($"/api/content/media/{id}/stream", Ct);
        Assert.Equal(HttpStatusCode.Found, stream.StatusCode);
        var master = await ContentClient.Browser.GetStringAsync(stream.Headers.Location, Ct);

        var variants = Uris(master);
        Assert.Equal(2, variants.Count);
        Assert.Contains("RESOLUTION=1280x720", master);
        foreach (var (variant, height) in variants.Zip([480, 720]))
        {
            var playlist = await ContentClient.Browser.GetStringAsync(variant, Ct);
            Assert.Equal([$"{height}p segment 0", $"{height}p segment 1"],
                await Task.WhenAll(Uris(playlist).Select(u => ContentClient.Browser.GetStringAsync(u, Ct))));
        }
    }

    [Fact]
    public async Task Ffmpeg_plays_the_redirected_playlist_of_a_real_hls_set_to_the_end()
    {
        var dir = Directory.CreateTempSubdirectory("campus-hls-");
        try
        {
            // A real 2 s 480p rendition in 1 s segments, as the worker would write it.
            var (made, _) = await RunAsync("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=854x480:rate=25:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-hls_time", "1", "-hls_playlist_type", "vod",
                "-hls_segment_filename", Path.Combine(dir.FullName, "seg_%03d.ts"), Path.Combine(dir.FullName, "index.m3u8"));
            if (made is null)
            {
                Assert.Skip("ffmpeg is not installed");
            }
            Assert.Equal(0, made);
            var owner = Guid.NewGuid();
            var id = await ReadyVideoAsync(owner);
            var prefix = $"{owner}/{id:N}";
            foreach (var file in dir.GetFiles())
            {
                await factory.Buckets.Client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = factory.Buckets.BucketName("media-hls"), Key = $"{prefix}/480p/{file.Name}", FilePath = file.FullName, UseChunkEncoding = false,
                }, Ct);
            }
            using var author = factory.ClientFor(owner, "author");

            using var stream = await author.GetAsync($"/api/content/media/{id}/stream?bitrate=480", Ct);
            Assert.Equal(HttpStatusCode.Found, stream.StatusCode);
            var (played, errors) = await RunAsync("ffmpeg", "-v", "error", "-i", stream.Headers.Location!.AbsoluteUri, "-f", "null", "-");
            Assert.True(played == 0, $"ffmpeg exited with {played}: {errors}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Runs a program; null exit code when it is not installed.</summary>
    private static async Task<(int? ExitCode, string Errors)> RunAsync(string program, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync(Ct);
            await process.StandardOutput.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct);
            return (process.ExitCode, await errors);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (null, "");
        }
    }

    [Theory]
    [InlineData("999")]
    [InlineData("720p")]
    [InlineData("high")]
    public async Task An_unknown_bitrate_is_400(string bitrate)
    {
        var owner = Guid.NewGuid();
        var id = await ReadyVideoAsync(owner);
        using var author = factory.ClientFor(owner, "author");
        using var response = await author.GetAsync($"/api/content/media/{id}/stream?bitrate={bitrate}", Ct);
        await AssertFieldErrorAsync(response, "invalid_bitrate", "bitrate");
    }

    [Fact]
    public async Task A_video_not_ready_is_409_a_missing_rendition_or_video_is_404()
    {
        var owner = Guid.NewGuid();
        using var author = factory.ClientFor(owner, "author");
        var processing = await ReadyVideoAsync(owner, MediaStatus.Processing);
        using (var response = await author.GetAsync($"/api/content/media/{processing}/stream?bitrate=480", Ct))
        {
            await AssertProblemAsync(response, HttpStatusCode.Conflict, "media_not_ready");
        }
        var ready = await ReadyVideoAsync(owner);
        using (var response = await author.GetAsync($"/api/content/media/{ready}/stream?bitrate=1080", Ct))
        {
            await AssertProblemAsync(response, HttpStatusCode.NotFound, "rendition_not_found");
        }
        using (var response = await author.GetAsync($"/api/content/media/{Guid.NewGuid()}/stream?bitrate=480", Ct))
        {
            await AssertProblemAsync(response, HttpStatusCode.NotFound, "media_not_found");
        }
    }

    [Fact]
    public async Task Students_stream_only_videos_of_published_materials_of_published_courses()
    {
        var owner = Guid.NewGuid();
        using var author = factory.ClientFor(owner, "author");
        using var student = factory.ClientFor(Guid.NewGuid());
        var id = await ReadyVideoAsync(owner);
        var course = await author.CreateCourseAsync("Video course");
        var section = await author.CreateSectionAsync(course, "Week 1");
        var material = await author.CreateMaterialAsync(section, new { kind = "video", title = "Lecture", media_id = id });

        async Task<HttpStatusCode> StudentStreamAsync()
        {
            using var response = await student.GetAsync($"/api/content/media/{id}/stream?bitrate=480", Ct);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.NotFound, await StudentStreamAsync()); // the course is a draft
        await author.PublishAsync(course);
        Assert.Equal(HttpStatusCode.Found, await StudentStreamAsync());

        using (var hide = await author.PutAsJsonAsync($"/api/content/materials/{material}",
                   new { kind = "video", title = "Lecture", media_id = id, published = false }, Ct))
        {
            await hide.ExpectAsync(HttpStatusCode.OK);
        }
        Assert.Equal(HttpStatusCode.NotFound, await StudentStreamAsync()); // the material is hidden
    }

    /// <summary>A video as the worker leaves it: 480p and 720p renditions of two segments each, a master, a ready row.</summary>
    private async Task<Guid> ReadyVideoAsync(Guid owner, MediaStatus status = MediaStatus.Ready)
    {
        var id = Guid.NewGuid();
        var prefix = $"{owner}/{id:N}";
        var bucket = factory.Buckets.BucketName("media-hls");
        using (factory.CreateClient())
        {
            // Starting the host creates its buckets in the background.
            await Wait.UntilAsync(async () => (await factory.Buckets.Client.ListBucketsAsync(Ct)).Buckets?.Any(b => b.BucketName == bucket) == true);
        }
        async Task PutAsync(string key, string body, string contentType) =>
            await factory.Buckets.Client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket, Key = $"{prefix}/{key}", ContentBody = body, ContentType = contentType, UseChunkEncoding = false,
            }, Ct);

        await PutAsync("master.m3u8", """
            #EXTM3U
            #EXT-X-VERSION:3
            #EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=854x480
            480p/index.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720
            720p/index.m3u8
            """, "application/vnd.apple.mpegurl");
        foreach (var height in new[] { 480, 720 })
        {
            await PutAsync($"{height}p/index.m3u8", """
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-TARGETDURATION:4
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-PLAYLIST-TYPE:VOD
                #EXTINF:4.000000,
                seg_000.ts
                #EXTINF:1.000000,
                seg_001.ts
                #EXT-X-ENDLIST
                """, "application/vnd.apple.mpegurl");
            await PutAsync($"{height}p/seg_000.ts", $"{height}p segment 0", "video/mp2t");
            await PutAsync($"{height}p/seg_001.ts", $"{height}p segment 1", "video/mp2t");
        }

        var now = DateTimeOffset.UtcNow;
        await factory.QueryAsync(db =>
        {
            db.MediaFiles.Add(new MediaFile
            {
                Id = id, OwnerId = owner, Filename = "lecture.mp4", ContentType = "video/mp4", SizeBytes = 1000,
                SourceKey = $"{owner}/{id:N}.mp4", Status = status, Progress = status == MediaStatus.Ready ? 100 : 50,
                DurationSeconds = 5, Renditions = [480, 720], HlsPrefix = prefix, CreatedAt = now, UpdatedAt = now, UploadExpiresAt = now,
            });
            return db.SaveChangesAsync(Ct);
        });
        return id;
    }

    private static List<string> Uris(string playlist) =>
        [.. playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
}
