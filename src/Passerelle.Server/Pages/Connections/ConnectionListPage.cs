using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.Pages.Connections;

/// <summary>
/// A tab that lists one kind of a connection's records newest first, a page at a time (<c>?p=</c>: Razor Pages
/// reserves <c>page</c>); an unknown connection is a 404.
/// </summary>
public abstract class ConnectionListPage<T>(PasserelleDbContext db, int pageSize) : PageModel
    where T : class
{
    public Guid Id { get; private set; }

    public string DisplayName { get; private set; } = "";

    public IReadOnlyList<T> Items { get; private set; } = [];

    [BindProperty(SupportsGet = true, Name = "p")]
    public int? PageNumber { get; set; }

    public int Current { get; private set; } = 1;

    public bool HasNext { get; private set; }

    /// <summary>The connection's records, in the order they are shown.</summary>
    protected abstract IQueryable<T> Newest(PasserelleDbContext db, ConnectionId connection);

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
        var items = await Newest(db, connectionId).AsNoTracking().Skip((Current - 1) * pageSize).Take(pageSize + 1).ToListAsync(cancellationToken);
        HasNext = items.Count > pageSize;
        Items = items.Take(pageSize).ToList();
        return Page();
    }
}
