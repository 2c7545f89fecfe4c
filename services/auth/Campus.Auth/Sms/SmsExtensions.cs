using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Campus.Auth.Sms;

public static class SmsExtensions
{
    /// <summary>Registers the <see cref="ISmsSender"/> named by <c>Sms:Provider</c>.</summary>
    public static IHostApplicationBuilder AddSms(this IHostApplicationBuilder builder)
    {
        // { "Sms": { "Provider": "smsru", "BaseUrl": "https://sms.ru", "ApiKey": "<secret>", "From": null,
        //   "AttemptTimeout": "00:00:05", "TotalTimeout": "00:00:15", "MaxRetries": 2 } }
        var provider = builder.Configuration["Sms:Provider"] is { Length: > 0 } configured
            ? configured
            : builder.Environment.IsDevelopment() ? "dev" : "smsru";
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<SmsOptions>()
            .BindConfiguration(SmsOptions.Section)
            .PostConfigure(sms => sms.Provider = provider)
            // The dev provider's outbox (GET /api/auth/dev/sms-outbox) shows every code to whoever can reach the host:
            // anywhere but a developer's machine that is a sign-in bypass, so such a host must not start.
            .Validate(sms => sms.Provider != SmsOptions.DevProvider || development,
                "Sms:Provider 'dev' (the development SMS outbox and its /api/auth/dev routes) is allowed only in the " +
                "Development environment; set Sms:Provider to 'smsru' (with Sms:ApiKey) or run in Development.")
            .ValidateDataAnnotations()
            .ValidateOnStart();

        if (provider == SmsOptions.DevProvider)
        {
            builder.Services.AddScoped<ISmsSender, DevSmsSender>();
            return builder;
        }

        builder.Services.AddHttpClient<ISmsSender, SmsRuSender>()
            .AddResilienceHandler("sms", (pipeline, context) =>
            {
                var sms = context.ServiceProvider.GetRequiredService<IOptions<SmsOptions>>().Value;
                pipeline.AddTimeout(sms.TotalTimeout);
                if (sms.MaxRetries == 0)
                {
                    pipeline.AddTimeout(sms.AttemptTimeout);
                    return;
                }
                // Retries 5xx, 408, 429 and network errors. A retried send may rarely deliver twice; a second copy of
                // a sign-in code is harmless, a missing one is not.
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = sms.MaxRetries,
                    Delay = TimeSpan.FromMilliseconds(200),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                });
                pipeline.AddTimeout(sms.AttemptTimeout);
            });
        return builder;
    }
}
