using Campus.Chat.Attachments;
using Campus.Chat.Chats;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Campus.Chat.Realtime;
using Campus.Chat.Registry;
using Campus.Storage;
using Microsoft.Extensions.Options;

namespace Campus.Chat;

internal static class Extensions
{
    /// <summary>The chat service's own registrations: token validation, its database, broker (outbox; users and
    /// courses learnt from auth's and content's events), Redis (fan-out), storage (attachments) and the socket settings.</summary>
    public static void AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<ChatDbContext>();
        builder.AddCampusMessaging(messaging => messaging
            .AddOutbox<ChatDbContext>()
            .AddSubscription<UserRegistered, RememberUser>(RememberUser.Queue)
            .AddSubscription<CourseCreated, RememberCreatedCourse>(RememberCreatedCourse.Queue)
            .AddSubscription<CoursePublished, RememberPublishedCourse>(RememberCreatedCourse.Queue)
            .AddSubscription<CourseDeleted, ForgetDeletedCourse>(RememberCreatedCourse.Queue)
            .AddSubscription<RebuildRequested, RepublishChatActivity>(RepublishChatActivity.Queue));
        builder.AddCampusRedis();
        // Revoked access tokens are refused on REST and on the socket handshake; open sockets close on announcement.
        builder.AddTokenRevocationCheck();
        builder.AddCampusStorage(StorageBuckets.ChatAttachments);
        // Chats and messages live in PostgreSQL: without Redis, sockets of other nodes catch up from it; attachments answer 503.
        builder.AddSoftDependencies("redis", "rabbitmq", "s3");

        // { "Chat": { "SendQueueSize": 512, "KeepAliveInterval": "00:00:20", "KeepAliveTimeout": "00:00:20",
        //             "TypingThrottle": "00:00:02", "MaxAttachmentBytes": 20971520, "MaxClientFrameBytes": 65536,
        //             "MaxSocketsPerUser": 20, "MaxPostsPerUser": 30, "PostRateWindow": "00:00:10", "SocketLease": "00:01:30",
        //             "ActivityInterval": "00:00:01" } }
        builder.Services.AddOptions<ChatOptions>()
            .BindConfiguration(ChatOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ChatFanout>();
        builder.Services.AddSingleton<ChatBudgets>();
        builder.Services.AddSingleton<ChatFrameHandler>();
        builder.Services.AddSingleton<ChatSocketReader>();
        builder.Services.AddHostedService<SocketLeaseRenewal>();
        builder.Services.AddHostedService<RevocationListener>();
        builder.Services.AddHostedService<ChatActivityPublisher>();
        builder.Services.AddScoped<ChatSocketSession>();
        builder.Services.AddScoped<ChatMessages>();
        builder.Services.AddScoped<ChatCreation>();
        builder.Services.AddScoped<ChatMembership>();
        builder.Services.AddScoped<AttachmentUploadStart>();
        builder.Services.AddScoped<AttachmentCompletion>();
    }

    /// <summary>WebSockets with the configured keep-alive (ping every interval, closed when no pong within the timeout).</summary>
    public static void UseChatWebSockets(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ChatOptions>>().Value;
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.KeepAliveInterval, KeepAliveTimeout = options.KeepAliveTimeout });
    }
}
