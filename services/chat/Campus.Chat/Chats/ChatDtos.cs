using Campus.Chat.Messages;

namespace Campus.Chat.Chats;

public sealed record CreateChatRequest(
    ChatType? Type,
    [property: Bounds(MaxLength = ChatRules.TitleLength)] string? Title = null,
    [property: Bounds(MaxItems = ChatRules.MaxParticipantsPerRequest)] Guid[]? ParticipantIds = null,
    Guid? CourseId = null);

public sealed record AddParticipantsRequest([property: Bounds(MaxItems = ChatRules.MaxParticipantsPerRequest)] Guid[]? UserIds);

public sealed record ParticipantResponse(Guid UserId, ParticipantRole Role, long LastReadSeq, DateTimeOffset JoinedAt);

/// <summary>A chat in the caller's list: their role, read marker, unread count and the newest message.</summary>
public sealed record ChatSummary(
    Guid Id,
    ChatType Type,
    string? Title,
    Guid? CourseId,
    Guid CreatedBy,
    DateTimeOffset CreatedAt,
    long LastSeq,
    ParticipantRole MyRole,
    long LastReadSeq,
    int UnreadCount,
    MessageResponse? LastMessage);

public sealed record ChatList(IReadOnlyList<ChatSummary> Items, int Total, int Limit, int Offset);

/// <summary>One chat with its participants and the users invited who have not accepted yet.</summary>
public sealed record ChatDetails(
    Guid Id,
    ChatType Type,
    string? Title,
    Guid? CourseId,
    Guid CreatedBy,
    DateTimeOffset CreatedAt,
    long LastSeq,
    ParticipantRole? MyRole,
    long LastReadSeq,
    int UnreadCount,
    IReadOnlyList<ParticipantResponse> Participants,
    IReadOnlyList<Guid> InvitedUserIds);
