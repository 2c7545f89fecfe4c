namespace Campus.Content.Worker.Transcoding;

/// <summary>ffprobe or ffmpeg refused the input or failed; <see cref="Exception.Message"/> is readable by an author.</summary>
/// <remarks>
/// <see cref="IsPermanent"/> is true when the same input would fail the same way again (unreadable, no video stream,
/// ffmpeg reporting an error); false when the process was killed from outside (a signal, the run-time limit), which a
/// later attempt may survive.
/// </remarks>
public sealed class TranscodeException : Exception
{
    public TranscodeException(string message, string? errorTail, bool isPermanent) : base(message)
    {
        ErrorTail = errorTail ?? "";
        IsPermanent = isPermanent;
    }

    public TranscodeException() : this("Transcoding failed.", null, true) { }

    public TranscodeException(string message) : this(message, null, true) { }

    public TranscodeException(string message, Exception innerException) : base(message, innerException)
    {
        ErrorTail = "";
        IsPermanent = true;
    }

    /// <summary>The last lines ffmpeg or ffprobe wrote to stderr (at most about 20), paths of the work directory removed.</summary>
    public string ErrorTail { get; }

    public bool IsPermanent { get; }

    /// <summary>The message and the tail, as stored in the media's <c>error</c> and logged.</summary>
    public string Reason => ErrorTail.Length == 0 ? Message : $"{Message}\n{ErrorTail}";
}
