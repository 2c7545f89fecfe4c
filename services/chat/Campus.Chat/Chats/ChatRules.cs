namespace Campus.Chat.Chats;

/// <summary>Limits of chats and messages.</summary>
public static class ChatRules
{
    public const int TitleLength = 200;
    public const int MaxBodyLength = 4000;
    public const int ClientMsgIdLength = 64;
    public const int MaxParticipantsPerRequest = 500;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;
    public const int MaxAttachmentsPerMessage = 10;
    public const int FileNameLength = 255;
}
