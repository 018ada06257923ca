using Passerelle.Sandbox;

if (args.Any(a => a is "--help" or "-h"))
{
    Console.WriteLine(SandboxCommandLine.Help);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, SandboxCommandLine.SwitchMappings);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls(SandboxCommandLine.DefaultUrl);
}

// Request-by-request framework logs drown the console under load; the sandbox's own stats tell more.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddSmartRecruitersSandbox();

var app = builder.Build();
app.MapSmartRecruitersSandbox();
app.Run();
