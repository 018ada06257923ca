using Passerelle.Cli;

return await CliApp.RunAsync(args, CliEnvironment.FromProcess());
