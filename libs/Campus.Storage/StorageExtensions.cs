namespace Microsoft.Extensions.Hosting;

// STUB (foundation skeleton): replaced by the real library.
public static class StorageExtensions
{
    public static IHostApplicationBuilder AddCampusStorage(this IHostApplicationBuilder builder) => builder;
}
