using Microsoft.EntityFrameworkCore;

namespace Campus.Messaging.Outbox;

// STUB (foundation skeleton): replaced by the real library.
public static class OutboxModel
{
    public static ModelBuilder AddOutbox(this ModelBuilder modelBuilder) => modelBuilder;
}
