using Microsoft.Extensions.Options;
using Passerelle.Server;
using Passerelle.Server.Demo;

try
{
    var builder = WebApplication.CreateBuilder(DemoExtensions.ExpandDemoSwitches(args));
    builder.AddPasserelleDemo();
    builder.AddPasserelleServer();

    var app = builder.Build();
    await app.UsePasserelleServerAsync();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is OptionsValidationException or DemoException)
{
    // A setting the operator can fix: say which, without a stack trace.
    var problems = e is OptionsValidationException validation ? validation.Failures : [e.Message];
    await Console.Error.WriteLineAsync("Passerelle cannot start:");
    foreach (var problem in problems)
    {
        await Console.Error.WriteLineAsync("  - " + problem);
    }

    await Console.Error.WriteLineAsync("Run `passerelle doctor` for a check of the whole configuration.");
    return 1;
}
