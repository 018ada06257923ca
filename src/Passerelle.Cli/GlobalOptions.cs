using System.CommandLine;

namespace Passerelle.Cli;

/// <summary>The options every command takes (recursive on the root command).</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Server { get; } = new("--server")
    {
        Description = "The Passerelle server, e.g. https://passerelle.example.com (else PASSERELLE_SERVER, the profile, or ./data/demo.json).",
        Recursive = true,
        HelpName = "URL",
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "The API key (discouraged: it stays in shell history; prefer PASSERELLE_API_KEY or a profile).",
        Recursive = true,
        HelpName = "KEY",
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine output: the API's JSON, one document per command (watch: one per line), nothing else on stdout.",
        Recursive = true,
    };

    public Option<string?> Profile { get; } = new("--profile")
    {
        Description = "The profile to use from ~/.config/passerelle/profiles.json (or PASSERELLE_PROFILES); default 'default'.",
        Recursive = true,
        HelpName = "NAME",
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(ApiKey);
        root.Options.Add(Json);
        root.Options.Add(Profile);
    }
}
