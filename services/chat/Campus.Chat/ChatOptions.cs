using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Chat;

/// <summary>The <c>Chat</c> section: socket limits, attachment size and how often activity counts are announced.</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    /// <summary>Frames waiting for one socket; a socket whose queue is full is a slow consumer and is disconnected (1013).</summary>
    [Range(1, 100_000)]
    public int SendQueueSize { get; set; } = 512;

    /// <summary>How often the server pings an open socket.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A socket that does not answer a ping (pong) within this time is closed: the server-side idle timeout.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>At most one <c>typing</c> frame per socket in this time; more are dropped.</summary>
    [TimeSpanRange("00:00:00", "00:01:00")]
    public TimeSpan TypingThrottle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest attachment accepted.</summary>
    [Range(1, 1024L * 1024 * 1024)]
    public long MaxAttachmentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>The largest client frame (bytes); a larger one closes the socket with 1009.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxClientFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Open sockets one user may hold across all chat nodes (counted in Redis); one more is refused with 429 <c>too_many_sockets</c>.</summary>
    [Range(1, 10_000)]
    public int MaxSocketsPerUser { get; set; } = 20;

    /// <summary>Messages (socket <c>message.post</c> and REST posts together) one user may post per <see cref="PostRateWindow"/>, across nodes.</summary>
    [Range(1, 100_000)]
    public int MaxPostsPerUser { get; set; } = 30;

    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan PostRateWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a socket's entry in the per-user count lives without renewal; each node renews its sockets every third of
    /// it, so the entries of a node that died vanish within this time.
    /// </summary>
    [TimeSpanRange("00:00:03", "01:00:00")]
    public TimeSpan SocketLease { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// How often each node announces the messages per author and day that moved (<c>chat.activity.counted</c>): analytics'
    /// figures of chat activity lag the posts by about this much, plus the outbox relay.
    /// </summary>
    [TimeSpanRange("00:00:00.050", "00:10:00")]
    public TimeSpan ActivityInterval { get; set; } = TimeSpan.FromSeconds(1);
}
