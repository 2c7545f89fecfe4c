using Campus.Content.Courses;
using Campus.Content.Data;
using Campus.Content.Documents;
using Campus.Content.Learning;
using Campus.Content.Media;
using Campus.Content.Uploads;
using Campus.Storage;

namespace Campus.Content;

internal static class Extensions
{
    /// <summary>The content service's own registrations: token validation, its database, broker, storage and the upload sweeper.</summary>
    public static void AddContentServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<ContentDbContext>();
        // The catalogue page from memory, emptied on every replica when a course or document changes.
        builder.Services.AddSingleton<CourseListCache>();
        builder.Services.AddSingleton<CourseListCache.Invalidation>();
        builder.Services.ConfigureDbContext<ContentDbContext>((services, options) =>
            options.AddInterceptors(services.GetRequiredService<CourseListCache.Invalidation>()));
        builder.Services.AddHostedService<CourseListListener>();
        builder.Services.AddScoped<CourseListing>();
        builder.Services.AddScoped<CoursePublishing>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<ContentDbContext>()
            .AddSubscription<ProfileUpdated, RememberLearner>(RememberLearner.Queue)
            .AddSubscription<ProfileSnapshot, RememberLearner>(RememberLearner.Queue)
            .AddSubscription<RebuildRequested, PublishContentSnapshots>(PublishContentSnapshots.Queue));
        builder.AddCampusStorage(StorageBuckets.MediaUploads, StorageBuckets.MediaHls, StorageBuckets.Documents);
        // Courses are read and written without them: events wait in the outbox, upload checks answer 503 meanwhile.
        builder.AddSoftDependencies("rabbitmq", "s3");
        // The service uses no Redis, but its image is what the chart's helm test runs to check a cluster's
        // dependencies, Redis included (check-dependencies with ConnectionStrings:Redis set).
        builder.AddRedisDependencyCheck();

        // "Content": {
        //   "MaxVideoBytes": 5368709120, "MultipartThreshold": 104857600, "MultipartPartSize": 67108864,
        //   "VideoUploadUrlExpiry": "02:00:00", "MaxDocumentBytes": 104857600, "StreamUrlExpiry": "06:00:00",
        //   "UploadCompletionWindow": "1.00:00:00", "SweepInterval": "00:05:00"
        // }
        builder.Services.AddOptions<ContentOptions>()
            .BindConfiguration(ContentOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // "Content": { "Learning": { "VideoCompletionRatio": 0.9, "MaxPlaybackRate": 2, "HeartbeatSlackSeconds": 3,
        //   "CursorLifetime": "00:05:00", "DueSoonDays": 3, "DueCheckInterval": "00:01:00" } }
        builder.Services.AddOptions<LearningOptions>()
            .BindConfiguration(LearningOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<SelfEnrolment>();
        builder.Services.AddScoped<EnrolmentListing>();
        builder.Services.AddScoped<CourseAssignment>();
        builder.Services.AddScoped<AssignmentWithdrawal>();
        builder.Services.AddScoped<VideoHeartbeat>();
        builder.Services.AddScoped<MaterialCompletion>();
        builder.Services.AddSingleton<DueDateJob>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DueDateJob>());

        builder.Services.AddSingleton<HlsSigner>();
        builder.Services.AddScoped<MediaUploadStart>();
        builder.Services.AddScoped<MediaUploadCompletion>();
        builder.Services.AddScoped<MediaStreaming>();
        builder.Services.AddScoped<DocumentUploadCompletion>();
        builder.Services.AddSingleton<UploadSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<UploadSweeper>());
    }
}
