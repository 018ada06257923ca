using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Passerelle.Sandbox.Control;
using Passerelle.Sandbox.State;

namespace Passerelle.Sandbox.Inbox;

/// <summary>
/// What a recruiter would see in SR: which candidates arrived on which job, with their files. Server-rendered,
/// refreshed every few seconds, no script.
/// </summary>
internal static class InboxPage
{
    public static void MapInboxPage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Results.Redirect("/_sandbox/inbox"));
        endpoints.MapGet("/_sandbox/inbox", Render);
    }

    private static IResult Render(SandboxState state, string? company)
    {
        var html = new StringBuilder();
        var e = HtmlEncoder.Default;
        html.Append("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
            <title>SmartRecruiters sandbox · inbox</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2430;background:#f6f7f9}
            h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem} h3{font-size:1rem;margin:1.2rem 0 .4rem}
            table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:.5rem}
            th,td{border:1px solid #d8dce3;padding:.35rem .5rem;text-align:left;font-size:.9rem;vertical-align:top}
            th{background:#eef1f5} .muted{color:#677489} code{font-size:.8rem}
            .tag{display:inline-block;background:#e4ecfa;border-radius:3px;padding:0 .3rem;margin-right:.2rem}
            </style></head><body>
            <h1>SmartRecruiters sandbox · candidate inbox</h1>
            <p class="muted">What SR received, grouped by company and job. Refreshes every 5 seconds.</p>
            """);

        lock (state.Gate)
        {
            var companies = state.Companies.Values
                .Where(c => string.IsNullOrEmpty(company) || string.Equals(c.Identifier, company, StringComparison.OrdinalIgnoreCase))
                .OrderBy(c => c.Identifier).ToList();
            foreach (var c in companies)
            {
                var candidates = ControlEndpoints.CandidateViews(state, c.Identifier);
                html.Append(CultureInfo.InvariantCulture, $"<h2>{e.Encode(c.Name)} <span class=\"muted\">({e.Encode(c.Identifier)}) · {candidates.Count} candidate(s)</span></h2>");
                if (candidates.Count == 0)
                {
                    html.Append("<p class=\"muted\">No candidate yet.</p>");
                }

                foreach (var group in candidates.GroupBy(x => x.JobId ?? "").OrderBy(g => g.Key))
                {
                    var title = group.Key.Length == 0 ? "General applications (no job)" : group.First().JobTitle ?? group.Key;
                    html.Append(CultureInfo.InvariantCulture, $"<h3>{e.Encode(title)} <code class=\"muted\">{e.Encode(group.Key)}</code></h3>");
                    html.Append("<table><tr><th>Received</th><th>Candidate</th><th>E-mail</th><th>Via</th><th>Status</th><th>Files</th></tr>");
                    foreach (var candidate in group)
                    {
                        html.Append(CultureInfo.InvariantCulture, $"<tr data-candidate-id=\"{e.Encode(candidate.Id)}\"><td>{candidate.CreatedOn:yyyy-MM-dd HH:mm:ss}</td>");
                        html.Append(CultureInfo.InvariantCulture, $"<td>{e.Encode($"{candidate.FirstName} {candidate.LastName}")}<br><code class=\"muted\">{e.Encode(candidate.Id)}</code></td>");
                        html.Append(CultureInfo.InvariantCulture, $"<td>{e.Encode(candidate.Email ?? "")}</td><td>{e.Encode(candidate.CreatedVia)}</td><td>{e.Encode(candidate.Status ?? "")}</td><td>");
                        foreach (var file in candidate.Attachments)
                        {
                            var href = $"/_sandbox/candidates/{Uri.EscapeDataString(candidate.Id)}/attachments/{Uri.EscapeDataString(file.Id)}/content";
                            html.Append(CultureInfo.InvariantCulture,
                                $"<div><span class=\"tag\">{e.Encode(file.Type)}</span><a href=\"{e.Encode(href)}\">{e.Encode(file.Name)}</a> <span class=\"muted\">{file.Size:N0} bytes · sha256 {e.Encode(file.Sha256[..12])}…</span></div>");
                        }

                        if (candidate.Attachments.Count == 0)
                        {
                            html.Append("<span class=\"muted\">no file</span>");
                        }

                        html.Append("</td></tr>");
                    }

                    html.Append("</table>");
                }
            }

            if (companies.Count == 0)
            {
                html.Append("<p class=\"muted\">No company.</p>");
            }
        }

        html.Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
