using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Lanes;

namespace Passerelle.Core.Applications;

public static class ApplicationServiceCollectionExtensions
{
    /// <summary>
    /// Intake, delivery and the encrypted file store (<c>Applications</c> options validated at start). The lanes run
    /// the delivery pump; the housekeeping worker deletes files past retention and orphans.
    /// </summary>
    public static IServiceCollection AddPasserelleApplications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApplicationOptions>().BindConfiguration(ApplicationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApplicationOptions>, ApplicationOptionsValidator>();
        services.AddPasserelleFileStore(configuration);
        services.AddSingleton<ApplicantProtector>();
        services.AddSingleton<ApplicationMetrics>();
        services.AddSingleton(new CvInspector());
        services.AddScoped<ApplicationIntake>();
        services.AddScoped<ApplicationDelivery>();
        services.AddScoped<ApplicationAdmin>();
        services.AddScoped<ApplicationHousekeeping>();
        services.AddNodeHealth();
        services.AddSingleton<DeliveryPump>();
        services.AddHostedService<ApplicationHousekeepingWorker>();
        return services;
    }

    private sealed class ApplicationOptionsValidator : IValidateOptions<ApplicationOptions>
    {
        public ValidateOptionsResult Validate(string? name, ApplicationOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
