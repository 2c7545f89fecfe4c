using Campus.Auth.Data;
using Campus.Auth.Email;
using Campus.Auth.Passwords;
using Campus.Auth.Phone;
using Campus.Auth.Sms;
using Campus.Auth.Tokens;
using Campus.Auth.Users;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Campus.Auth;

internal static class Extensions
{
    /// <summary>The auth service's own registrations: token validation, its database, broker, Redis, tokens, phone sign-in.</summary>
    public static void AddAuthServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<AuthDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<AuthDbContext>()
            .AddSubscription<RebuildRequested, PublishUserSnapshots>(PublishUserSnapshots.Queue));
        builder.AddCampusRedis();
        // Sign-in needs only PostgreSQL; events wait in the outbox while RabbitMQ is down.
        builder.AddSoftDependencies("redis", "rabbitmq");
        // Defence in depth: auth refuses revoked access tokens itself (the gateway checks them first).
        builder.AddTokenRevocationCheck();
        builder.Services.AddValidation();
        builder.Services.AddSingleton<AuthMetrics>();

        // { "Auth": { "SigningKeys": [ { "Kid": "2026-11", "Pem": "-----BEGIN PRIVATE KEY-----..." } ], "ActiveKeyId": "2026-11",
        //   "KeyDirectory": ".data/auth-keys", "AccessTokenLifetime": "00:15:00", "RefreshTokenLifetime": "30.00:00:00",
        //   "RememberMeRefreshTokenLifetime": "60.00:00:00", "RefreshReuseGrace": "00:00:10", "BootstrapAdmins": [ "+79000000000" ] } }
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, SigningKeysValidator>();
        // Bootstrap admin phones are compared with users.phone, which is E.164: any accepted spelling is canonicalized.
        builder.Services.PostConfigure<AuthOptions>(auth => auth.BootstrapAdmins =
            [.. auth.BootstrapAdmins.Select(entry => PhoneNumberRules.Canonical(entry.Trim()) ?? entry.Trim())]);
        builder.Services.AddOptions<AuthOptions>().Validate(
            auth => auth.BootstrapAdmins.All(entry => entry.Contains('@', StringComparison.Ordinal) || PhoneNumberRules.Canonical(entry) == entry),
            "Auth:BootstrapAdmins: each entry must be an e-mail address or a phone number in international form (+79001234567).");
        builder.Services.AddSingleton<SigningKeyRing>();
        builder.Services.AddSingleton<RevocationPublisher>();
        builder.Services.AddScoped<TokenIssuer>();
        builder.Services.AddScoped<RefreshTokenService>();
        builder.Services.AddScoped<UserAdministration>();

        // { "Auth": { "Otp": { "CodeLifetime": "00:05:00", "ResendInterval": "00:00:30", "MaxSendsPerIpPerHour": 5,
        //   "MaxFailedAttempts": 5, "LockDuration": "01:00:00", "MaxFailuresPerPhone": 10, "MaxFailuresPerSourcePerHour": 20,
        //   "BlockDuration": "00:15:00", "MaxBlockDuration": "1.00:00:00", "BlockMemory": "1.00:00:00", "MaxSmsPerHour": 1000 } } }
        builder.Services.AddOptions<OtpOptions>()
            .BindConfiguration(OtpOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<PhoneSignIn>();
        builder.AddSms();

        // E-mail registration/sign-in and password reset (Email/, Passwords/).
        builder.AddEmailAndPasswordFlows();

        // The service validates its own tokens with its own keys (no HTTP round trip to itself); keys from the
        // configured JWKS (Jwt:JwksUrl) are accepted as well, so test tokens and a shared key set keep working.
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure<SigningKeyRing>((bearer, keys) =>
            {
                var published = bearer.TokenValidationParameters.IssuerSigningKeyResolver;
                bearer.TokenValidationParameters.IssuerSigningKeyResolver = (token, securityToken, kid, parameters) =>
                    keys.PublicKeys.Where(key => key.KeyId == kid)
                        .Concat<SecurityKey>(published?.Invoke(token, securityToken, kid, parameters) ?? []);
            });

        // The client IP (per-source limits) is the connection's address, or the X-Forwarded-For entry added by a trusted
        // proxy (Auth:TrustedProxies: the gateway and the edge), at most two hops (edge -> gateway -> auth). Loopback is
        // not trusted by default: another local process is not the gateway, and cannot choose the source it is counted as.
        builder.Services.AddOptions<AuthOptions>().Validate(
            auth => TrustedProxies.AreValid(auth.TrustedProxies), "Auth:TrustedProxies: " + TrustedProxies.Rule);
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<AuthOptions>>(
            (forwarded, auth) => forwarded.Trust(auth.Value.TrustedProxies, hops: 2));
    }

    /// <summary>Applies X-Forwarded-For from the trusted proxies (<c>Auth:TrustedProxies</c>), so <c>Connection.RemoteIpAddress</c> is the client's.</summary>
    public static WebApplication UseAuthForwardedHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }

    public static WebApplication MapAuthApi(this WebApplication app)
    {
        app.MapPhoneApi();
        app.MapEmailApi();
        app.MapPasswordApi();
        app.MapTokensApi();
        app.MapUsersApi();
        // Only with the dev SMS provider, which the host refuses outside Development (SmsExtensions.AddSms).
        // The contract describes them all the same, marked development-only: a host producing its document maps them
        // too, and there they answer 404.
        if (app.Services.GetRequiredService<IOptions<SmsOptions>>().Value.Provider == SmsOptions.DevProvider)
        {
            app.MapDevSmsApi();
        }
        else if (OpenApiExtensions.IsDocumentRun(app.Configuration))
        {
            app.MapDevSmsApi(documentOnly: true);
        }
        return app;
    }
}

/// <summary>What the auth contract says about every anonymous sign-in route.</summary>
internal static class AuthApi
{
    /// <summary>The gateway limits the anonymous auth routes per client address (its <c>AuthPerIp</c> rule).</summary>
    public const string EdgeRateLimit = "Too many requests from this network address (the gateway's per-address limit on the anonymous auth routes).";
}
