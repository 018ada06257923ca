using System.Text.Json.Nodes;
using Passerelle.Cli.Api;
using Passerelle.Cli.Output;

namespace Passerelle.Cli.Jobs;

/// <summary>A job as people name it: SR's job id, its reference number, or its title (any case).</summary>
internal static class JobResolver
{
    private const int MaxScanned = 2000;

    public static async Task<JsonNode> GetAsync(ApiClient api, Guid connection, string idOrTitle, int pageSize, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetAsync($"api/v1/connections/{connection}/jobs/{Uri.EscapeDataString(idOrTitle)}", cancellationToken);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
        {
            var jobs = await ListAsync(api, connection, "", MaxScanned, pageSize, cancellationToken);
            var matches = jobs.Where(j => Same(j.S("title"), idOrTitle) || Same(j.S("refNumber"), idOrTitle)).ToList();
            return matches.Count switch
            {
                1 => await api.GetAsync($"api/v1/connections/{connection}/jobs/{Uri.EscapeDataString(matches[0].S("id")!)}", cancellationToken),
                0 => throw new CliException(ExitCodes.NotFound, Names.NotFound("job", idOrTitle, [.. jobs.Select(j => j.S("title") ?? j.S("id")!)]),
                    "'passerelle jobs list CONNECTION' shows the synced jobs; a job just published needs 'passerelle jobs sync CONNECTION --wait' first."),
                _ => throw new CliException(ExitCodes.Usage, $"{matches.Count} jobs are titled '{idOrTitle}': give the job id.",
                    string.Join(", ", matches.Select(m => m.S("id")))),
            };
        }
    }

    /// <summary>Up to <paramref name="limit"/> jobs, following the API's cursor.</summary>
    public static async Task<List<JsonNode>> ListAsync(ApiClient api, Guid connection, string filters, int limit, int pageSize, CancellationToken cancellationToken)
    {
        var jobs = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var size = Math.Min(pageSize, limit - jobs.Count);
            var page = await api.GetAsync($"api/v1/connections/{connection}/jobs?limit={size}{filters}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}", cancellationToken);
            jobs.AddRange(page.Items("items").Select(j => j.DeepClone()));
            cursor = page.S("nextCursor");
        }
        while (cursor is not null && jobs.Count < limit);

        return jobs;
    }

    private static bool Same(string? a, string b) => a is not null && string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
