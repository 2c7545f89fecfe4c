using Campus.Messaging;

namespace Microsoft.Extensions.Hosting;

// STUB (foundation skeleton): replaced by the real library.
public static class MessagingExtensions
{
    public static MessagingBuilder AddCampusMessaging(this IHostApplicationBuilder builder, Action<MessagingBuilder>? configure = null)
    {
        var messaging = new MessagingBuilder(builder);
        configure?.Invoke(messaging);
        return messaging;
    }
}

