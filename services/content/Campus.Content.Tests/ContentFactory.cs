using Campus.Content.Data;
using Campus.Testing;

namespace Campus.Content.Tests;

/// <summary>
/// The content service on its own fresh database (built by its migrations) and its own queues, keys and buckets.
/// Multipart starts at 5 MiB here (parts of 5 MiB, the S3 minimum), so a test exercises it with a 6 MiB file.
/// </summary>
public class ContentFactory : CampusHostFactory<Program, ContentDbContext>
{
    public const long MultipartThreshold = 5 * 1024 * 1024;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Content:MultipartThreshold"] = MultipartThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Content:MultipartPartSize"] = MultipartThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Messaging:OutboxPollInterval"] = "00:00:00.200";
            return settings;
        }
    }
}
