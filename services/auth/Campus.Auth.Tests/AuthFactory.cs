using Campus.Auth.Data;
using Campus.Testing;

namespace Campus.Auth.Tests;

/// <summary>The auth service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class AuthFactory : CampusHostFactory<Program, AuthDbContext>;
