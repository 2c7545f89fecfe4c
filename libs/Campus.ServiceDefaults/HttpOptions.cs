using System.ComponentModel.DataAnnotations;

namespace Campus.ServiceDefaults;

/// <summary>Request size limits enforced by Kestrel; a larger body is answered with 413.</summary>
public sealed class HttpOptions
{
    public const string Section = "Http";

    [Range(1, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    [Range(4 * 1024, 256 * 1024)]
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// Whether JSON bodies are checked for control characters (<see cref="ControlCharacters"/>); the path and query are
    /// always checked. The gateway turns it off: it streams bodies to the services, which check them.
    /// </summary>
    public bool CheckJsonBodies { get; set; } = true;
}
