using System.Text.Json.Serialization;
using Campus.Chat.Attachments;
using Campus.Chat.Chats;

namespace Campus.Chat.Messages;

public sealed record PostMessageRequest(
    [property: Bounds(MaxLength = ChatRules.MaxBodyLength)] string? Body,
    [property: Bounds(MaxLength = ChatRules.ClientMsgIdLength)] string? ClientMsgId,
    [property: Bounds(MaxItems = ChatRules.MaxAttachmentsPerMessage)] Guid[]? AttachmentIds = null);

public sealed record EditMessageRequest([property: Bounds(MaxLength = ChatRules.MaxBodyLength)] string? Body);

public sealed record ReadRequest([property: JsonRequired, Bounds(0, long.MaxValue)] long Seq);

public sealed record AttachmentInfo(Guid Id, string FileName, string ContentType, long SizeBytes);

/// <summary>A message as clients see it, over REST and on the socket. A deleted message has a null body and no attachments.</summary>
public sealed record MessageResponse(
    Guid ChatId,
    long Seq,
    Guid AuthorId,
    string? Body,
    string? ClientMsgId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    DateTimeOffset? DeletedAt,
    IReadOnlyList<AttachmentInfo> Attachments)
{
    public static MessageResponse From(Message m, IReadOnlyList<AttachmentInfo>? attachments = null) => new(
        m.ChatId, m.Seq, m.AuthorId, m.Body, m.ClientMsgId, m.CreatedAt, m.EditedAt, m.DeletedAt,
        m.DeletedAt is null ? attachments ?? [] : []);

    public static AttachmentInfo Info(Attachment a) => new(a.Id, a.FileName, a.ContentType, a.Size);
}

public sealed record MessagePage(IReadOnlyList<MessageResponse> Items, bool HasMore);
