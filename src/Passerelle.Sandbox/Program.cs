using Passerelle.Sandbox;

return await SandboxHost.RunAsync(args);
