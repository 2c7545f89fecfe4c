using Campus.Analytics.Dashboard;
using Campus.Analytics.Data;
using Campus.Analytics.Facts;
using Campus.Analytics.Reports;
using Campus.Messaging;
using Campus.Storage;

namespace Campus.Analytics;

internal static class Extensions
{
    /// <summary>The analytics service's own registrations: token validation, its database, broker and storage.</summary>
    public static void AddAnalyticsServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<AnalyticsDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<AnalyticsDbContext>().AddFactSubscriptions());
        builder.Services.AddSingleton<InboxPruner>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InboxPruner>());
        builder.AddCampusStorage(StorageBuckets.Reports);
        builder.AddReportSettings();
        builder.Services.AddScoped<ReportDownloading>();
        builder.Services.AddScoped<ScheduleEditing>();
        // Report requests wait in the outbox while RabbitMQ is down; downloads answer 503 while S3 is.
        builder.AddSoftDependencies("rabbitmq", "s3");

        // "Analytics": { "Dashboard": { "CacheDuration": "00:00:04" } }
        builder.Services.AddOptions<DashboardOptions>()
            .BindConfiguration(DashboardOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DashboardCache>();
        builder.Services.AddScoped<DashboardReading>();
    }

    /// <summary>Queue of every event the facts are kept from (one consumer, in arrival order).</summary>
    public const string FactsQueue = "analytics.facts";

    private static MessagingBuilder AddFactSubscriptions(this MessagingBuilder messaging) => messaging
        .AddSubscription<UserRegistered, UserFacts>(FactsQueue)
        .AddSubscription<UserChanged, UserFacts>(FactsQueue)
        .AddSubscription<UserSignedIn, UserFacts>(FactsQueue)
        .AddSubscription<UserSnapshot, UserFacts>(FactsQueue)
        .AddSubscription<ProfileUpdated, UserFacts>(FactsQueue)
        .AddSubscription<ProfileSnapshot, UserFacts>(FactsQueue)
        .AddSubscription<CourseCreated, CourseFacts>(FactsQueue)
        .AddSubscription<CoursePublished, CourseFacts>(FactsQueue)
        .AddSubscription<CourseArchived, CourseFacts>(FactsQueue)
        .AddSubscription<CourseDeleted, CourseFacts>(FactsQueue)
        .AddSubscription<CourseSnapshot, CourseFacts>(FactsQueue)
        .AddSubscription<MaterialChanged, CourseFacts>(FactsQueue)
        .AddSubscription<MaterialSnapshot, CourseFacts>(FactsQueue)
        .AddSubscription<MaterialDeleted, CourseFacts>(FactsQueue)
        .AddSubscription<MediaReady, CourseFacts>(FactsQueue)
        .AddSubscription<MediaFailed, CourseFacts>(FactsQueue)
        .AddSubscription<MediaSnapshot, CourseFacts>(FactsQueue)
        .AddSubscription<EnrolmentCreated, LearningFacts>(FactsQueue)
        .AddSubscription<EnrolmentSnapshot, LearningFacts>(FactsQueue)
        .AddSubscription<DueDateChanged, LearningFacts>(FactsQueue)
        .AddSubscription<EnrolmentOverdue, LearningFacts>(FactsQueue)
        .AddSubscription<CourseCompleted, LearningFacts>(FactsQueue)
        .AddSubscription<AssignmentWithdrawn, LearningFacts>(FactsQueue)
        .AddSubscription<EnrolmentLeft, LearningFacts>(FactsQueue)
        .AddSubscription<MaterialCompleted, LearningFacts>(FactsQueue)
        .AddSubscription<MaterialCompletionSnapshot, LearningFacts>(FactsQueue)
        .AddSubscription<ChatActivityCounted, ActivityFacts>(FactsQueue)
        .AddSubscription<DeliveryCompleted, ActivityFacts>(FactsQueue)
        .AddSubscription<DeliverySnapshot, ActivityFacts>(FactsQueue);
}
