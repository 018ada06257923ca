namespace Passerelle.Server.Ui;

public static class ActivityExtensions
{
    /// <summary>
    /// The activity page's SR call counts: <see cref="SrCallRecorder"/>, one per host, listening from the start so
    /// that the calls made before anyone opens the page are counted too.
    /// </summary>
    public static IServiceCollection AddPasserelleActivity(this IServiceCollection services)
    {
        services.AddSingleton<SrCallRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<SrCallRecorder>());
        return services;
    }
}
