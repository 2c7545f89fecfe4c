using Campus.Content.Data;
using Campus.Testing;

namespace Campus.Content.Tests;

/// <summary>The content service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class ContentFactory : CampusHostFactory<Program, ContentDbContext>;
