namespace Campus.Notifications.Worker;

internal static class Extensions
{
    /// <summary>The worker's registrations: the notifications database, the broker.</summary>
    public static void AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusPostgres();
        builder.AddCampusMessaging();
    }
}
