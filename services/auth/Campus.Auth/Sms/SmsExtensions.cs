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
        builder.Services.AddOptions<SmsOptions>()
            .BindConfiguration(SmsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var provider = builder.Configuration["Sms:Provider"] is { Length: > 0 } configured
            ? configured
            : builder.Environment.IsDevelopment() ? "dev" : "smsru";
        if (provider == "dev")
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
