using Campus.Chat.Data;
using Campus.Testing;

namespace Campus.Chat.Tests;

/// <summary>The chat service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class ChatFactory : CampusHostFactory<Program, ChatDbContext>;
