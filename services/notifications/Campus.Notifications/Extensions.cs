using Campus.Notifications.Analytics;
using Campus.Notifications.Auth;
using Campus.Notifications.Content;
using Campus.Notifications.Data;
using Campus.Notifications.Deliveries;
using Campus.Notifications.Sending;
using Campus.Notifications.Settings;
using Campus.Notifications.Templates;

namespace Campus.Notifications;

internal static class Extensions
{
    /// <summary>Queue of auth's events (contacts, confirmation and reset e-mails).</summary>
    public const string AuthQueue = "notifications.auth-events";

    /// <summary>Queue of content's events (media ready/failed, course published).</summary>
    public const string ContentQueue = "notifications.content-events";

    /// <summary>Queue of analytics' events (a requested report is ready).</summary>
    public const string AnalyticsQueue = "notifications.analytics-events";

    /// <summary>The notifications service's own registrations: token validation, its database, broker, consumers, templates.</summary>
    public static void AddNotificationsServices(this IHostApplicationBuilder builder)
    {
        if (OpenApiExtensions.IsGeneratingDocument)
        {
            // The build-time run of the host has no configuration; these stand-ins only pass the start-up validation.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Notifications:LinkBaseUrl"] = "http://127.0.0.1:9",
                ["Telegram:BotUsername"] = "campus_openapi_bot",
            });
        }
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<NotificationsDbContext>();
        builder.AddCampusMessaging(messaging => messaging
            .AddOutbox<NotificationsDbContext>()
            .AddSubscription<UserRegistered, KeepContactOnRegistration>(AuthQueue)
            .AddSubscription<UserEmailConfirmationRequested, SendEmailConfirmation>(AuthQueue)
            .AddSubscription<UserPasswordResetRequested, SendPasswordReset>(AuthQueue)
            .AddSubscription<MediaReady, NotifyMediaReady>(ContentQueue)
            .AddSubscription<MediaFailed, NotifyMediaFailed>(ContentQueue)
            .AddSubscription<CoursePublished, NotifyCoursePublished>(ContentQueue)
            .AddSubscription<EnrolmentCreated, LearningNotifications>(ContentQueue)
            .AddSubscription<EnrolmentDueSoon, LearningNotifications>(ContentQueue)
            .AddSubscription<EnrolmentOverdue, LearningNotifications>(ContentQueue)
            .AddSubscription<CourseCompleted, LearningNotifications>(ContentQueue)
            .AddSubscription<RebuildRequested, PublishDeliverySnapshots>(PublishDeliverySnapshots.Queue)
            .AddSubscription<ReportReady, NotifyReportReady>(AnalyticsQueue));
        // Settings and the delivery log are served without the broker; its consumers resume when it is back.
        builder.AddSoftDependencies("rabbitmq");
        builder.Services.AddSingleton<TemplateRenderer>();
        builder.Services.AddScoped<Notifier>();
        builder.Services.AddScoped<SettingsUpdate>();
        builder.Services.AddScoped<DeliveryLog>();

        // { "Notifications": { "LinkBaseUrl": "https://campus.example.org", "BatchSize": 500 } }
        builder.Services.AddOptions<NotificationsOptions>()
            .BindConfiguration(NotificationsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // { "Telegram": { "BotUsername": "campus_bot", "LinkCodeLifetime": "00:10:00" } }
        builder.Services.AddOptions<TelegramOptions>()
            .BindConfiguration(TelegramOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
