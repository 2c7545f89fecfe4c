using Campus.Auth.Data;
using Campus.Auth.Email;
using Campus.Auth.Passwords;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registrations of the e-mail registration, e-mail sign-in and password-reset flows.</summary>
public static class EmailAndPasswordExtensions
{
    /// <summary>
    /// Registers what <c>MapEmailApi</c> and <c>MapPasswordApi</c> need: the password hasher at 210,000 PBKDF2 iterations,
    /// the e-mail tokens, the sign-in lockout, the flows (<see cref="EmailRegistration"/>, <see cref="EmailSignIn"/>,
    /// <see cref="PasswordReset"/>) and their metrics.
    /// </summary>
    public static IHostApplicationBuilder AddEmailAndPasswordFlows(this IHostApplicationBuilder builder)
    {
        // { "Auth": { "Email": { "ResendInterval": "00:01:00" } } }
        builder.Services.AddOptions<EmailOptions>()
            .BindConfiguration(EmailOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.Configure<PasswordHasherOptions>(options => options.IterationCount = PasswordHashing.IterationCount);
        builder.Services.TryAddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddSingleton<PasswordHashing>();
        builder.Services.AddSingleton<EmailMetrics>();
        builder.Services.AddScoped<EmailTokens>();
        builder.Services.AddScoped<LoginLockout>();
        builder.Services.AddScoped<EmailRegistration>();
        builder.Services.AddScoped<EmailSignIn>();
        builder.Services.AddScoped<PasswordReset>();
        return builder;
    }
}
