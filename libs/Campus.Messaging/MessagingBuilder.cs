using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace Campus.Messaging;

// STUB (foundation skeleton): replaced by the real library.
public sealed class MessagingBuilder(IHostApplicationBuilder builder)
{
    public IHostApplicationBuilder Builder { get; } = builder;
    public MessagingBuilder AddOutbox<TContext>() where TContext : DbContext => this;
}
