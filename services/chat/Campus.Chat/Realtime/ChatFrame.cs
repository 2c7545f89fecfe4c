using System.Text.Json;
using System.Text.Json.Serialization;
using Campus.Chat.Messages;

namespace Campus.Chat.Realtime;

/// <summary>
/// One JSON frame on the socket and on Redis (the same bytes: serialized once, fanned out as is). Members that a type
/// does not use are left out. Server types are in <see cref="FrameTypes"/>.
/// </summary>
public sealed record ChatFrame(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MessageResponse? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? ChatId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? UserId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientMsgId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null)
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    public static ChatFrame Created(MessageResponse m) => new(FrameTypes.MessageCreated, Message: m);

    public static ChatFrame Edited(MessageResponse m) => new(FrameTypes.MessageEdited, Message: m);

    public static ChatFrame Deleted(Guid chatId, long seq) => new(FrameTypes.MessageDeleted, ChatId: chatId, Seq: seq);

    public static ChatFrame Read(Guid chatId, Guid userId, long seq) => new(FrameTypes.Read, ChatId: chatId, UserId: userId, Seq: seq);

    public static ChatFrame Typing(Guid chatId, Guid userId) => new(FrameTypes.Typing, ChatId: chatId, UserId: userId);

    public static ChatFrame Ack(string? clientMsgId, long seq) => new(FrameTypes.Ack, ClientMsgId: clientMsgId, Seq: seq);

    public static ChatFrame Error(string code, string detail) => new(FrameTypes.Error, Code: code, Detail: detail);

    /// <summary>Internal (Redis only, never sent to clients): close the sockets of a user removed from the chat.</summary>
    public static ChatFrame Removed(Guid chatId, Guid userId) => new(FrameTypes.ParticipantRemoved, ChatId: chatId, UserId: userId);

    /// <summary>Internal (Redis only): deliver from the database what the room missed while Redis was away.</summary>
    public static ChatFrame Resync(Guid chatId) => new(FrameTypes.Resync, ChatId: chatId);

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Microsoft.Extensions.Hosting.ServiceDefaultsExtensions.ConfigureJson(options);
        return options;
    }
}

public static class FrameTypes
{
    public const string MessageCreated = "message.created";
    public const string MessageEdited = "message.edited";
    public const string MessageDeleted = "message.deleted";
    public const string Read = "read";
    public const string Typing = "typing";
    public const string Error = "error";
    public const string Ack = "message.ack";
    public const string ParticipantRemoved = "participant.removed";
    public const string Resync = "resync";

    // Client frames.
    public const string Post = "message.post";
}

/// <summary>What a client sends: <c>message.post {body, client_msg_id}</c>, <c>typing</c>, <c>read {seq}</c>.</summary>
public sealed record ClientFrame(string? Type, string? Body = null, string? ClientMsgId = null, long? Seq = null);
