using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Campus.ServiceDefaults;

/// <summary>
/// The auth service's signing keys, read from <c>Jwt:JwksUrl</c> and cached for the response's <c>Cache-Control: max-age</c>
/// (bounded by <c>Jwt:MinimumRefreshInterval</c> and <c>Jwt:RefreshInterval</c>). Nothing is fetched at start: the first
/// token validation reads the key set, so a host starts while auth is down. A token with an unknown <c>kid</c> makes the
/// validating request wait for one re-read (concurrent callers share it), at most once per
/// <c>Jwt:MinimumRefreshInterval</c>, so a newly published key works on its first request and forged kids cannot hammer
/// auth. A failed read keeps the last good keys and is retried after <c>Jwt:MinimumRefreshInterval</c>.
/// </summary>
public sealed class JwksKeyCache : IDisposable
{
    private readonly JwtOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<JwksKeyCache> _logger;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile KeySet _keys = new([], DateTimeOffset.MinValue);
    private DateTimeOffset _lastUnknownKidRead = DateTimeOffset.MinValue;

    private sealed record KeySet(IReadOnlyList<SecurityKey> Keys, DateTimeOffset ExpiresAt);

    public JwksKeyCache(IOptions<JwtOptions> options, TimeProvider time, ILogger<JwksKeyCache> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        // Short timeout and a size cap: a slow or hostile key endpoint must not hold requests for long.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(5),
            MaxResponseContentBufferSize = 1024 * 1024,
        };
    }

    /// <summary>
    /// The cached key set; a new list object whenever the JWKS was read successfully (a failed read keeps the list), so
    /// a reference to it tells whether a validation was made against the current keys.
    /// </summary>
    public IReadOnlyList<SecurityKey> Current => _keys.Keys;

    /// <summary>The cached keys with <paramref name="kid"/> (all cached keys when the token names none); never fetches.</summary>
    public IEnumerable<SecurityKey> Find(string? kid)
    {
        var keys = _keys.Keys;
        return string.IsNullOrEmpty(kid) ? keys : keys.Where(key => key.KeyId == kid).ToList();
    }

    /// <summary>Re-reads the key set if its cache lifetime is over (one read for all concurrent callers).</summary>
    public async Task EnsureFreshAsync(CancellationToken cancellationToken = default)
    {
        if (_time.GetUtcNow() < _keys.ExpiresAt)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_time.GetUtcNow() >= _keys.ExpiresAt)
            {
                await ReadAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Re-reads the key set because a token names <paramref name="kid"/>, unless the key is already cached or an
    /// unknown kid caused a read less than <c>Jwt:MinimumRefreshInterval</c> ago. True when the key is now known.
    /// </summary>
    public async Task<bool> TryReadForUnknownKidAsync(string kid, CancellationToken cancellationToken = default)
    {
        if (Find(kid).Any())
        {
            return true;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have read the key set while this one waited.
            if (Find(kid).Any())
            {
                return true;
            }
            var now = _time.GetUtcNow();
            if (now - _lastUnknownKidRead < _options.MinimumRefreshInterval)
            {
                return false;
            }
            _lastUnknownKidRead = now;
            await ReadAsync(cancellationToken);
            return Find(kid).Any();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(_options.JwksUrl, cancellationToken);
            response.EnsureSuccessStatusCode();
            var keySet = new JsonWebKeySet(await response.Content.ReadAsStringAsync(cancellationToken));
            var maxAge = response.Headers.CacheControl?.MaxAge ?? _options.RefreshInterval;
            var lifetime = maxAge < _options.MinimumRefreshInterval ? _options.MinimumRefreshInterval
                : maxAge > _options.RefreshInterval ? _options.RefreshInterval
                : maxAge;
            _keys = new KeySet(keySet.GetSigningKeys().ToList(), _time.GetUtcNow() + lifetime);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Auth being down must not refuse every token: keep the last good keys, try again a little later.
            _logger.LogWarning(exception, "Could not read the JWKS at {JwksUrl}; keeping {KeyCount} cached keys", _options.JwksUrl, _keys.Keys.Count);
            _keys = _keys with { ExpiresAt = _time.GetUtcNow() + _options.MinimumRefreshInterval };
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }
}
