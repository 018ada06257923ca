using Passerelle.Server;

var builder = WebApplication.CreateBuilder(args);
builder.AddPasserelleServer();

var app = builder.Build();
await app.UsePasserelleServerAsync();
await app.RunAsync();
