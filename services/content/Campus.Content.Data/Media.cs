using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Content.Data;

/// <summary>Life of an uploaded video: uploading → queued → processing → ready | failed (a retry goes failed → queued).</summary>
public enum MediaStatus
{
    Uploading,
    Queued,
    Processing,
    Ready,
    Failed,
}

/// <summary>Life of one transcode attempt series of a video.</summary>
public enum TranscodeStatus
{
    Queued,
    Processing,
    Done,
    Failed,
}

/// <summary>A video uploaded straight to S3 and transcoded to HLS by the worker (table <c>media_files</c>).</summary>
public sealed class MediaFile
{
    public const int FilenameLength = 255;
    public const int ErrorLength = 2000;

    public Guid Id { get; set; }

    /// <summary>The user who uploaded it (the author of the courses it is used in).</summary>
    public Guid OwnerId { get; set; }

    /// <summary>The client's file name, for display and downloads only (never part of a key).</summary>
    public required string Filename { get; set; }

    public required string ContentType { get; set; }

    /// <summary>The size the client declared; after complete, the size of the stored object.</summary>
    public long SizeBytes { get; set; }

    /// <summary>
    /// Key of the source in the <c>media-uploads</c> bucket: while uploading, the upload key the client writes to; from
    /// complete on, the checked copy (<c>checked/…</c>), the only key the worker reads.
    /// </summary>
    public required string SourceKey { get; set; }

    public MediaStatus Status { get; set; }

    /// <summary>Transcode progress in percent, 0..100.</summary>
    public int Progress { get; set; }

    /// <summary>Why it failed, readable by people (the tail of ffmpeg's error output, or the upload check's reason).</summary>
    public string? Error { get; set; }

    public double? DurationSeconds { get; set; }

    /// <summary>Heights of the HLS renditions, ascending, e.g. <c>[480, 720]</c>.</summary>
    public int[] Renditions { get; set; } = [];

    /// <summary>
    /// Key prefix in the <c>media-hls</c> bucket: master playlist at <c>{HlsPrefix}/master.m3u8</c>, variant playlists at
    /// <c>{HlsPrefix}/{height}p/index.m3u8</c>, segments beside them.
    /// </summary>
    public string? HlsPrefix { get; set; }

    /// <summary>Key of the poster image in the <c>media-hls</c> bucket.</summary>
    public string? PosterKey { get; set; }

    /// <summary>The S3 multipart upload id while a large upload is in progress (null for a single PUT).</summary>
    public string? MultipartUploadId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>An upload not completed by then is marked failed by the sweeper.</summary>
    public DateTimeOffset UploadExpiresAt { get; set; }
}

/// <summary>One transcode of a video (table <c>transcode_jobs</c>); a retry of a failed video is a new job.</summary>
public sealed class TranscodeJob
{
    public Guid Id { get; set; }

    public Guid MediaId { get; set; }

    public TranscodeStatus Status { get; set; }

    /// <summary>How many times the worker started this job.</summary>
    public int Attempts { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>Refreshed by the worker while it transcodes; the watchdog re-queues or fails a job whose heartbeat stops.</summary>
    public DateTimeOffset? HeartbeatAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}

internal sealed class MediaConfiguration : IEntityTypeConfiguration<MediaFile>, IEntityTypeConfiguration<TranscodeJob>
{
    public void Configure(EntityTypeBuilder<MediaFile> media)
    {
        media.ToTable("media_files", table => table.HasCheckConstraint("ck_media_files_progress", "progress BETWEEN 0 AND 100"));
        media.HasKey(m => m.Id);
        media.Property(m => m.Id).ValueGeneratedNever();
        media.Property(m => m.Filename).HasMaxLength(MediaFile.FilenameLength);
        media.Property(m => m.ContentType).HasMaxLength(127);
        media.Property(m => m.SourceKey).HasMaxLength(300);
        media.Property(m => m.Status).AsText();
        media.Property(m => m.Error).HasMaxLength(MediaFile.ErrorLength);
        media.Property(m => m.HlsPrefix).HasMaxLength(300);
        media.Property(m => m.PosterKey).HasMaxLength(300);
        media.Property(m => m.MultipartUploadId).HasMaxLength(1024);
        media.HasIndex(m => m.OwnerId);
        media.HasIndex(m => m.UploadExpiresAt, "ix_media_files_uploading_expiry").HasDatabaseName("ix_media_files_uploading_expiry").HasFilter("status = 'uploading'");
    }

    public void Configure(EntityTypeBuilder<TranscodeJob> job)
    {
        job.ToTable("transcode_jobs");
        job.HasKey(j => j.Id);
        job.Property(j => j.Id).ValueGeneratedNever();
        job.Property(j => j.Status).AsText();
        job.Property(j => j.Error).HasMaxLength(MediaFile.ErrorLength);
        job.HasOne<MediaFile>().WithMany().HasForeignKey(j => j.MediaId).OnDelete(DeleteBehavior.Cascade);
        job.HasIndex(j => j.MediaId, "ix_transcode_jobs_media_id").HasDatabaseName("ix_transcode_jobs_media_id");
        // At most one live job per video: a repeated complete or retry cannot queue a second transcode.
        job.HasIndex(j => j.MediaId, "ux_transcode_jobs_live_media").HasDatabaseName("ux_transcode_jobs_live_media").IsUnique().HasFilter("status IN ('queued', 'processing')");
        job.HasIndex(j => j.HeartbeatAt, "ix_transcode_jobs_processing_heartbeat").HasDatabaseName("ix_transcode_jobs_processing_heartbeat").HasFilter("status = 'processing'");
    }
}
