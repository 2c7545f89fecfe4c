using Campus.Profile.Data;
using Campus.Testing;

namespace Campus.Profile.Tests;

/// <summary>The profile service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class ProfileFactory : CampusHostFactory<Program, ProfileDbContext>;
