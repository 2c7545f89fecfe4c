using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Campus.Auth.Tokens;

/// <summary>
/// The ES256 keys of the service: every configured key is published in the JWKS, the active one signs.
/// Rotation (README): add the new key, deploy (it is published, not signing), wait longer than the JWKS cache
/// (10 min) plus the gateway refresh, switch <c>Auth:ActiveKeyId</c>, and remove the old key after the access-token
/// lifetime (1 h).
/// </summary>
/// <remarks>
/// Loaded on first use rather than at start: the OpenAPI build-time run and the contract test start the host in
/// Production without secrets. A misconfiguration throws with the setting's name on the first token or JWKS request.
/// </remarks>
public sealed class SigningKeyRing
{
    private readonly Lazy<(ECDsaSecurityKey Active, IReadOnlyList<ECDsaSecurityKey> Public)> _keys;

    public SigningKeyRing(IOptions<AuthOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<SigningKeyRing> logger) =>
        _keys = new(() => Load(options.Value, environment, time, logger));

    /// <summary>The key that signs new tokens (with its private part).</summary>
    public ECDsaSecurityKey Active => _keys.Value.Active;

    /// <summary>Public halves of every key, for the JWKS and for validating this service's own tokens.</summary>
    public IReadOnlyList<ECDsaSecurityKey> PublicKeys => _keys.Value.Public;

    private static (ECDsaSecurityKey, IReadOnlyList<ECDsaSecurityKey>) Load(AuthOptions options, IHostEnvironment environment, TimeProvider time, ILogger logger)
    {
        var configured = options.SigningKeys.Select(key => (key.Kid, key.Pem)).ToList();
        if (configured.Count == 0)
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "The setting 'Auth:SigningKeys' is required outside Development: a list of { \"Kid\", \"Pem\" } (ES256 PKCS#8 private keys).");
            }
            configured = DevelopmentKeys(options, environment, time, logger);
        }

        var keys = configured.Select(key => ToKey(key.Kid, key.Pem)).ToList();
        var activeId = options.ActiveKeyId ?? (keys.Count == 1 || options.SigningKeys.Count == 0 ? keys[^1].KeyId : null)
            ?? throw new InvalidOperationException("The setting 'Auth:ActiveKeyId' is required when several signing keys are configured.");
        var active = keys.FirstOrDefault(key => key.KeyId == activeId)
            ?? throw new InvalidOperationException($"'Auth:ActiveKeyId' names '{activeId}', which is not among 'Auth:SigningKeys'.");
        var publicKeys = keys.Select(key => new ECDsaSecurityKey(ECDsa.Create(key.ECDsa.ExportParameters(includePrivateParameters: false)))
        {
            KeyId = key.KeyId,
        }).ToList();
        return (active, publicKeys);
    }

    /// <summary>
    /// Checks the configured keys at start (each parses as a P-256 private key, the active one exists), so a broken
    /// secret fails the deployment instead of the first sign-in. An empty list is checked on first use (see remarks).
    /// </summary>
    internal static string? Validate(AuthOptions options)
    {
        if (options.SigningKeys.Count == 0)
        {
            return null;
        }
        try
        {
            var keys = options.SigningKeys.Select(key => ToKey(key.Kid, key.Pem)).ToList();
            var activeId = options.ActiveKeyId ?? (keys.Count == 1 ? keys[0].KeyId : null);
            if (activeId is null)
            {
                return "The setting 'Auth:ActiveKeyId' is required when several signing keys are configured.";
            }
            return keys.Any(key => key.KeyId == activeId)
                ? null
                : $"'Auth:ActiveKeyId' names '{activeId}', which is not among 'Auth:SigningKeys'.";
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    private static ECDsaSecurityKey ToKey(string kid, string pem)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new InvalidOperationException($"'Auth:SigningKeys' key '{kid}' is not a PEM private key.", e);
        }
        if (ecdsa.KeySize != 256)
        {
            throw new InvalidOperationException($"'Auth:SigningKeys' key '{kid}' must be a P-256 (ES256) key.");
        }
        return new ECDsaSecurityKey(ecdsa) { KeyId = kid };
    }

    // Development: one key generated into the data folder and reused on restart, so tokens survive a restart
    // and every host keeps its cached JWKS. Files are <kid>.pem; the newest signs.
    private static List<(string Kid, string Pem)> DevelopmentKeys(AuthOptions options, IHostEnvironment environment, TimeProvider time, ILogger logger)
    {
        var directory = options.KeyDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured, environment.ContentRootPath)
            : Path.Combine(environment.ContentRootPath, ".data", "auth-keys");
        Directory.CreateDirectory(directory);
        var files = new DirectoryInfo(directory).GetFiles("*.pem").OrderBy(file => file.Name, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            var kid = $"dev-{time.GetUtcNow():yyyyMMdd}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var path = Path.Combine(directory, kid + ".pem");
            File.WriteAllText(path, ecdsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            logger.LogInformation("Generated development signing key {KeyId} in {Directory}", kid, directory);
            files.Add(new FileInfo(path));
        }
        return files.Select(file => (Path.GetFileNameWithoutExtension(file.Name), File.ReadAllText(file.FullName))).ToList();
    }
}

/// <summary>Fails the start when configured signing keys are broken (see <see cref="SigningKeyRing.Validate"/>).</summary>
internal sealed class SigningKeysValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        SigningKeyRing.Validate(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
