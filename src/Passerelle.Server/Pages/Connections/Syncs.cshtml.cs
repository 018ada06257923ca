using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.Pages.Connections;

/// <summary>A connection's sync runs, newest first, a page at a time.</summary>
public sealed class SyncsModel(PasserelleDbContext db) : PageModel
{
    public const int PageSize = 25;

    public Guid Id { get; private set; }

    public string DisplayName { get; private set; } = "";

    public IReadOnlyList<SyncRun> Runs { get; private set; } = [];

    [BindProperty(SupportsGet = true, Name = "p")]
    public int? PageNumber { get; set; }

    public int Current { get; private set; } = 1;

    public bool HasNext { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var connectionId = new ConnectionId(id);
        var name = await db.Connections.AsNoTracking().Where(c => c.Id == connectionId).Select(c => c.DisplayName).SingleOrDefaultAsync(cancellationToken);
        if (name is null)
        {
            return NotFound();
        }

        Id = id;
        DisplayName = name;
        Current = Math.Clamp(PageNumber ?? 1, 1, 100_000);
        // Ids are UUIDv7: newest first by id, as the API lists them.
        var runs = await db.SyncRuns.AsNoTracking().Where(r => r.ConnectionId == connectionId).OrderByDescending(r => r.Id)
            .Skip((Current - 1) * PageSize).Take(PageSize + 1).ToListAsync(cancellationToken);
        HasNext = runs.Count > PageSize;
        Runs = runs.Take(PageSize).ToList();
        return Page();
    }
}
