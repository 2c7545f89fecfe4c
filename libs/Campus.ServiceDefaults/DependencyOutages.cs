using Microsoft.Extensions.DependencyInjection;

namespace Campus.ServiceDefaults;

/// <summary>A dependency a request needed and could not reach, answered as a 503 problem with this <c>code</c>.</summary>
/// <param name="Code">The stable problem code, e.g. <c>database_unavailable</c>.</param>
/// <param name="Title">The problem title.</param>
/// <param name="Matches">True for an exception (anywhere in the inner-exception chain) that means this dependency is down.</param>
public sealed record DependencyOutage(string Code, string Title, Func<Exception, bool> Matches);

/// <summary>
/// The dependency outages every host recognises. An outage is the platform's fault but not a bug: the client gets a
/// 503 with <c>Retry-After</c> (and may retry), the log a warning — never a 500 <c>internal_error</c>.
/// Campus.Data, Campus.Redis, Campus.Storage and Campus.Messaging register theirs (<c>database_unavailable</c>,
/// <c>cache_unavailable</c>, <c>storage_unavailable</c>, <c>broker_unavailable</c>).
/// </summary>
public static class DependencyOutages
{
    /// <summary>Registers an outage the exception handler answers with 503 and its code.</summary>
    public static IServiceCollection AddDependencyOutage(this IServiceCollection services, DependencyOutage outage)
    {
        if (!services.Any(service => service.ServiceType == typeof(DependencyOutage) && ReferenceEquals(service.ImplementationInstance, outage)))
        {
            services.AddSingleton(outage);
        }
        return services;
    }

    /// <summary>The first registered outage an exception or one of its inner exceptions matches, if any.</summary>
    public static DependencyOutage? Find(IEnumerable<DependencyOutage> outages, Exception exception)
    {
        var known = outages as IReadOnlyCollection<DependencyOutage> ?? [.. outages];
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (known.FirstOrDefault(outage => outage.Matches(current)) is { } match)
            {
                return match;
            }
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Find(known, inner) is { } innerMatch)
                    {
                        return innerMatch;
                    }
                }
            }
        }
        return null;
    }
}
