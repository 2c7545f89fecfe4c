using Campus.Notifications.Data;
using Campus.Testing;

namespace Campus.Notifications.Tests;

/// <summary>The notifications service on its own fresh database (built by its migrations) and its own queues, keys and buckets.</summary>
public sealed class NotificationsFactory : CampusHostFactory<Program, NotificationsDbContext>;
