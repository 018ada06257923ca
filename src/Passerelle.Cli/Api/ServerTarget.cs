using System.Text.Json;
using System.Text.Json.Nodes;

namespace Passerelle.Cli.Api;

/// <summary>Which server and API key a command uses, and where each came from (for messages; never the key itself).</summary>
internal sealed record ServerTarget(Uri Server, string ApiKey, string ServerSource, string KeySource)
{
    public const string ServerVariable = "PASSERELLE_SERVER";
    public const string KeyVariable = "PASSERELLE_API_KEY";
    public const string ProfilesVariable = "PASSERELLE_PROFILES";

    public const string HowToConfigure =
        "Pass --server URL and --api-key KEY, set PASSERELLE_SERVER and PASSERELLE_API_KEY, add a profile to ~/.config/passerelle/profiles.json "
        + "(chmod 600; or the file PASSERELLE_PROFILES names), or run the command next to a running demo (it writes ./data/demo.json).";

    public override string ToString() => $"ServerTarget {{ Server = {Server}, ServerSource = {ServerSource}, KeySource = {KeySource} }}";

    /// <summary>Each of server and key, first found wins: the option, the environment, the profile, the demo's facts file.</summary>
    public static ServerTarget Resolve(string? serverOption, string? keyOption, string? profileName, CliEnvironment env)
    {
        var profile = ReadProfile(profileName, env);
        var demo = ReadDemo(env);

        (string? Value, string Source) Pick(string? option, string optionName, string variable, string? fromProfile, string? fromDemo) =>
            !string.IsNullOrWhiteSpace(option) ? (option.Trim(), optionName)
            : !string.IsNullOrWhiteSpace(env.GetVariable(variable)) ? (env.GetVariable(variable)!.Trim(), variable)
            : !string.IsNullOrWhiteSpace(fromProfile) ? (fromProfile.Trim(), $"profile '{profile!.Value.Name}' in {profile.Value.Path}")
            : !string.IsNullOrWhiteSpace(fromDemo) ? (fromDemo.Trim(), demo!.Value.Path)
            : (null, "");

        var server = Pick(serverOption, "--server", ServerVariable, profile?.Server, demo?.Server);
        var key = Pick(keyOption, "--api-key", KeyVariable, profile?.ApiKey, demo?.ApiKey);
        if (server.Value is null)
        {
            throw new CliException(ExitCodes.Auth, "No Passerelle server is configured.", HowToConfigure);
        }

        if (!Uri.TryCreate(server.Value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"The server address '{server.Value}' (from {server.Source}) is not an http(s) URL, e.g. http://127.0.0.1:8080.");
        }

        if (key.Value is null)
        {
            throw new CliException(ExitCodes.Auth, "No API key is configured.", HowToConfigure);
        }

        // Relative paths resolve under the server's path: https://host/passerelle/ + api/v1/…
        var baseUrl = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        return new ServerTarget(baseUrl, key.Value, server.Source, key.Source);
    }

    private static (string Name, string Path, string? Server, string? ApiKey)? ReadProfile(string? profileName, CliEnvironment env)
    {
        var path = env.GetVariable(ProfilesVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            var home = env.GetVariable("HOME") ?? env.GetVariable("USERPROFILE");
            if (string.IsNullOrEmpty(home))
            {
                return Missing(profileName, "(no home directory)");
            }

            path = Path.Combine(home, ".config", "passerelle", "profiles.json");
        }

        if (!File.Exists(path))
        {
            return Missing(profileName, path);
        }

        JsonObject profiles;
        try
        {
            profiles = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                       ?? throw new CliException(ExitCodes.Usage, $"{path} is not a JSON object of profiles.", """Write it as { "default": { "server": "https://…", "apiKey": "…" } }.""");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"{path} is not valid JSON (line {e.LineNumber + 1}).", """Write it as { "default": { "server": "https://…", "apiKey": "…" } }.""");
        }

        var name = string.IsNullOrWhiteSpace(profileName) ? "default" : profileName.Trim();
        if (profiles[name] is not JsonObject profile)
        {
            return profileName is null
                ? null
                : throw new CliException(ExitCodes.Auth, $"No profile '{name}' in {path}.",
                    profiles.Count == 0 ? "Add it to the file." : $"Profiles there: {string.Join(", ", profiles.Select(p => p.Key))}.");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            env.Error.WriteLine($"Warning: {path} holds API keys and others may read it: chmod 600 {path}");
        }

        return (name, path, Text(profile, "server"), Text(profile, "apiKey"));
    }

    private static (string Name, string Path, string? Server, string? ApiKey)? Missing(string? profileName, string path) =>
        profileName is null ? null : throw new CliException(ExitCodes.Auth, $"No profile '{profileName}': there is no profiles file at {path}.", HowToConfigure);

    private static (string Path, string? Server, string? ApiKey)? ReadDemo(CliEnvironment env)
    {
        var path = Path.Combine(env.CurrentDirectory, "data", "demo.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject facts ? (path, Text(facts, "consoleUrl"), Text(facts, "adminApiKey")) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject node, string name) => node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
