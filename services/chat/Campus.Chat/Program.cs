using Campus.Chat;
using Campus.Chat.Attachments;
using Campus.Chat.Chats;
using Campus.Chat.Messages;
using Campus.Chat.Realtime;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCampusOpenApi();
builder.AddChatServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseChatWebSockets();
app.MapCampusOpenApi();
app.MapChatsApi();
app.MapInvitationsApi();
app.MapMessagesApi();
app.MapAttachmentsApi();
app.MapChatSocket();
app.Run();

/// <summary>The chat service host; public for <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
