using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Auth = Campus.Clients.Auth;
using Chat = Campus.Clients.Chat;
using Content = Campus.Clients.Content;

namespace Campus.E2E.Tests;

/// <summary>
/// The API as a client developer meets it: the C# clients generated from the committed contracts
/// (tests/clients/Campus.Clients) sign in, publish a course with an uploaded document, and chat with an attachment,
/// through the edge, with the generated types only: no casts, no hand-written request or answer types. The one plain
/// HTTP request is the PUT of the bytes to the presigned storage URL, which is not Campus's API.
/// </summary>
public sealed partial class GeneratedClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_generated_client_signs_in_publishes_a_course_with_a_document_and_chats_with_an_attachment()
    {
        // Sign-in: the phone flow of the auth contract (the code from the development SMS outbox on auth's own port).
        var author = await SignInAsync($"+7999{Random.Shared.Next(1000000, 9999999)}");
        var student = await SignInAsync($"+7999{Random.Shared.Next(1000000, 9999999)}");
        using var authorAuth = EdgeFor(author.Access_token);
        Assert.Equal(author.User.Id, (await new Auth.AuthClient(authorAuth).GetMeAsync(Ct)).Id);

        // An administrator makes the first user an author; the refreshed token carries the role.
        using (var adminHttp = EdgeFor((await SignIn.AdminAsync()).AccessToken))
        {
            var granted = await new Auth.AuthClient(adminHttp).SetUserRolesAsync(author.User.Id, new Auth.SetRolesRequest { Roles = [Auth.Role.Author] }, Ct);
            Assert.Contains(Auth.Role.Author, granted.Roles);
        }
        var refreshed = await new Auth.AuthClient(authorAuth).RefreshTokenAsync(new Auth.RefreshRequest { Refresh_token = author.Refresh_token }, Ct);
        Assert.Contains(Auth.Role.Author, refreshed.User.Roles);

        // The author uploads a document (upload-url, PUT to storage, complete) and publishes a course that has it.
        using var authorHttp = EdgeFor(refreshed.Access_token);
        var content = new Content.ContentClient(authorHttp);
        var pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"u8.ToArray();
        var upload = await content.CreateDocumentUploadUrlAsync(
            new Content.UploadRequest { File_name = "syllabus.pdf", Content_type = "application/pdf", Size_bytes = pdf.Length }, Ct);
        await PresignedUpload.PutAsync(upload.Upload_url, upload.Headers, pdf);
        var document = await content.CompleteDocumentUploadAsync(upload.Id, Ct);
        Assert.Equal(Content.DocumentStatus.Ready, document.Status);
        Assert.Equal("syllabus.pdf", document.File_name);
        Assert.Equal(pdf.Length, document.Size_bytes);

        var title = "Client course " + Guid.NewGuid().ToString("N")[..8];
        var course = await content.CreateCourseAsync(new Content.CourseRequest { Title = title, Description = "Made by a generated client" }, Ct);
        var section = await content.CreateSectionAsync(course.Id, new Content.SectionRequest { Title = "Week 1" }, Ct);
        await content.CreateMaterialAsync(section.Id,
            new Content.MaterialRequest { Kind = Content.MaterialKind.Document, Title = "Syllabus", Document_id = document.Id }, Ct);
        Assert.Equal(Content.CourseStatus.Published, (await content.PublishCourseAsync(course.Id, Ct)).Status);

        // The student finds it, enrols and downloads the very bytes the author uploaded.
        using var studentHttp = EdgeFor(student.Access_token);
        var studentContent = new Content.ContentClient(studentHttp);
        var seen = await studentContent.GetCourseAsync(course.Id, Ct);
        Assert.Equal(title, seen.Title);
        var material = Assert.Single(Assert.Single(seen.Sections).Materials);
        Assert.Equal(Content.MaterialKind.Document, material.Kind);
        await studentContent.EnrolAsync(course.Id, Ct);
        var link = await studentContent.DownloadDocumentAsync(document.Id, redirect: false, Ct);
        using (var storage = new HttpClient())
        {
            Assert.Equal(pdf, await storage.GetByteArrayAsync(link.Url, Ct));
        }

        // Chat: the author opens a group chat with the student, attaches a file and posts; the student reads it back.
        var chat = new Chat.ChatClient(authorHttp);
        var created = await CreateChatAsync(chat, new Chat.CreateChatRequest { Type = Chat.ChatType.Group, Title = title, Participant_ids = [student.User.Id] });
        var studentChat = new Chat.ChatClient(studentHttp);
        await studentChat.AcceptInvitationAsync(created.Id, Ct);

        var png = TestImages.Png(16, 16);
        var attachment = await chat.CreateAttachmentUploadUrlAsync(created.Id,
            new Chat.AttachmentUploadRequest { File_name = "diagram.png", Content_type = "image/png", Size_bytes = png.Length }, Ct);
        await PresignedUpload.PutAsync(attachment.Upload_url, attachment.Headers, png);
        var attached = await chat.CompleteAttachmentUploadAsync(created.Id, attachment.Id, Ct);
        Assert.Equal("diagram.png", attached.File_name);

        var posted = await chat.PostMessageAsync(created.Id,
            new Chat.PostMessageRequest { Body = "Welcome to the course", Client_msg_id = Guid.NewGuid().ToString(), Attachment_ids = [attached.Id] }, Ct);
        var page = await studentChat.ListMessagesAsync(created.Id, before_seq: null, after_seq: null, limit: null, Ct);
        var message = Assert.Single(page.Items, m => m.Seq == posted.Seq);
        Assert.Equal("Welcome to the course", message.Body);
        Assert.Equal(author.User.Id, message.Author_id);
        var attachmentSeen = Assert.Single(message.Attachments);
        Assert.Equal("diagram.png", attachmentSeen.File_name);
        Assert.Equal(png.Length, attachmentSeen.Size_bytes);
    }

    /// <summary>
    /// The same journey from TypeScript: tests/e2e/clients/flow.ts, compiled under tsc --strict with the modules
    /// openapi-typescript generates from the contracts and run under node with openapi-fetch (tests/e2e/clients/run.sh).
    /// Its people register by e-mail (the link from maildev), so no phone code limit is spent. Node talks to the edge
    /// through a proxy that checks every answer against the contracts, as the C# clients' answers are checked.
    /// </summary>
    [Fact]
    public async Task A_generated_TypeScript_client_signs_up_publishes_a_course_with_a_document_and_chats_with_an_attachment()
    {
        var violations = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var proxy = await ContractCheckingProxyAsync(violations);
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Platform.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["CAMPUS_EDGE_URL"] = proxy.Address(),
                ["CAMPUS_MAILDEV_URL"] = NotificationsTests.MaildevUrl.ToString(),
                ["CAMPUS_ADMIN_TOKEN"] = (await SignIn.AdminAsync()).AccessToken,
            },
        };
        start.ArgumentList.Add(Path.Combine(Platform.Root, "tests/e2e/clients/run.sh"));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start tests/e2e/clients/run.sh");
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout + await stderr;
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        Assert.Empty(violations);
        Assert.True(process.ExitCode == 0, $"tests/e2e/clients/run.sh exited {process.ExitCode}: {output}");
        Assert.Contains("ok  the author uploaded a document (upload-url, PUT, complete)", output, StringComparison.Ordinal);
        Assert.Contains("ok  the two chatted: a message with an attachment, read back by the other", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A local HTTP server that passes every request on to the edge with a contract-checked client (<see cref="Http.Create"/>)
    /// and the answer back unchanged; an answer that breaks its contract is added to <paramref name="violations"/> and
    /// answered 502, so the client fails there too.
    /// </summary>
    private static Task<WebApplication> ContractCheckingProxyAsync(System.Collections.Concurrent.ConcurrentQueue<string> violations)
    {
        var edge = Http.Create(new SocketsHttpHandler(), TimeSpan.FromSeconds(30));
        return LoopbackServer.StartAsync(app =>
        {
            app.Lifetime.ApplicationStopped.Register(edge.Dispose);
            app.Run(async context => await PassOnAsync(context));
        });

        async Task PassOnAsync(HttpContext context)
        {
            var incoming = context.Request;
            using var request = new HttpRequestMessage(new HttpMethod(incoming.Method),
                new Uri(Platform.EdgeUrl, incoming.Path.Value + incoming.QueryString.Value));
            if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
            {
                request.Content = new StreamContent(incoming.Body);
            }
            foreach (var (name, values) in incoming.Headers)
            {
                if (name is "Host" or "Transfer-Encoding" or "Connection" || request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values))
                {
                    continue;
                }
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            }
            HttpResponseMessage response;
            try
            {
                response = await edge.SendAsync(request, context.RequestAborted);
            }
            catch (ContractViolationException ex)
            {
                violations.Enqueue(ex.Message);
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                await context.Response.WriteAsync(ex.Message, context.RequestAborted);
                return;
            }
            using (response)
            {
                context.Response.StatusCode = (int)response.StatusCode;
                foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
                {
                    if (name is not ("Transfer-Encoding" or "Connection"))
                    {
                        context.Response.Headers[name] = values.ToArray();
                    }
                }
                await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            }
        }
    }

    /// <summary>A client of the edge whose requests carry <paramref name="accessToken"/>.</summary>
    private static HttpClient EdgeFor(string accessToken)
    {
        var http = Http.Create(new SocketsHttpHandler());
        http.BaseAddress = Platform.EdgeUrl;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    /// <summary>
    /// The phone sign-in through the generated auth client. The requests come from an address of their own (auth limits
    /// code requests per address); the code is read from the development SMS outbox on auth's own port.
    /// </summary>
    private static async Task<Auth.TokenResponse> SignInAsync(string phone)
    {
        using var edge = GatewayEdgeTests.ClientFrom($"127.21.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}");
        edge.BaseAddress = Platform.EdgeUrl;
        var auth = new Auth.AuthClient(edge);
        await auth.SendPhoneCodeAsync(new Auth.SendCodeRequest { Phone = phone }, Ct);

        using var authHost = new HttpClient { BaseAddress = Platform.HostUrl("auth") };
        var outbox = await new Auth.AuthClient(authHost).GetDevSmsOutboxAsync(phone, Ct);
        var code = Code().Match(outbox.FirstOrDefault()?.Text ?? "").Value;
        Assert.True(code.Length > 0, $"no code in the development SMS outbox for {phone}");
        return await auth.VerifyPhoneCodeAsync(new Auth.VerifyCodeRequest { Phone = phone, Code = code }, Ct);
    }

    /// <summary>
    /// Chat learns new users from auth's events, so a user signed in a moment ago may still be unknown to it (422
    /// <c>unknown_users</c>): the creation is retried for a few seconds, reading the problem's typed <c>code</c>.
    /// </summary>
    private static async Task<Chat.ChatDetails> CreateChatAsync(Chat.ChatClient chat, Chat.CreateChatRequest request)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await chat.CreateChatAsync(request, Ct);
            }
            catch (Chat.ApiException<Chat.ProblemDetails> problem) when (problem.StatusCode == 422 && problem.Result.Code == "unknown_users" && attempt < 50)
            {
                await Task.Delay(200, Ct);
            }
        }
    }

    [GeneratedRegex(@"\b\d{4,8}\b")]
    private static partial Regex Code();
}
