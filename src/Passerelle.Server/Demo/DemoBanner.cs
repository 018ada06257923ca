using System.Text;
using Passerelle.Core.Connections;

namespace Passerelle.Server.Demo;

/// <summary>What the demo prints once it is ready: where to look, how to sign in, what each connection shows.</summary>
internal static class DemoBanner
{
    public static string Render(DemoFacts facts, DemoOptions options, string factsPath)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("  Passerelle demo is ready");
        text.AppendLine();
        text.AppendLine($"  Console         {facts.ConsoleUrl}");
        text.AppendLine($"  Career page     {facts.CareersUrl}");
        text.AppendLine($"  Sandbox inbox   {facts.SandboxUrl}   (what SmartRecruiters received)");
        text.AppendLine($"  API reference   {facts.ApiUrl}");
        text.AppendLine();
        text.AppendLine(facts.AdminPassword is { } password
            ? $"  Sign in as '{facts.AdminUser}' with the one-time password {password} (you choose a new one at the first sign-in)."
            : $"  Sign in as '{facts.AdminUser}' with the password you chose (delete the data directory to start afresh).");
        text.AppendLine($"  An admin API key for the API and the CLI is in {factsPath} (adminApiKey).");
        text.AppendLine();
        foreach (var connection in facts.Connections)
        {
            var state = connection.Status switch
            {
                ConnectionStatus.Active when connection.Warnings.Count > 0 => "active, with a warning",
                ConnectionStatus.Active => "active",
                ConnectionStatus.NeedsAttention => "needs attention",
                _ => connection.Status.ToString().ToLowerInvariant(),
            };
            text.AppendLine($"  Connection '{connection.DisplayName}': {state}, {connection.OpenJobs} open jobs, scopes {string.Join(" + ", connection.Scopes)}");
            foreach (var line in connection.Warnings.Append(connection.Attention).OfType<string>())
            {
                text.AppendLine($"      {line}");
            }
        }

        text.AppendLine();
        text.AppendLine(options.Traffic
            ? $"  Demo traffic: {options.TrafficPerMinute} applications a minute, some with faults (a retry, a review, a failure)."
            : "  No traffic is generated: apply on the career page, or start with --demo-traffic.");
        text.AppendLine("  Press Ctrl+C to stop.");
        return text.ToString();
    }
}
