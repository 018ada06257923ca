using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.Pages.Connections;

/// <summary>A connection's sync runs, newest first, 25 a page.</summary>
public sealed class SyncsModel(PasserelleDbContext db) : ConnectionListPage<SyncRun>(db, 25)
{
    // Ids are UUIDv7: newest first by id, as the API lists them.
    protected override IQueryable<SyncRun> Newest(PasserelleDbContext db, ConnectionId connection) =>
        db.SyncRuns.Where(r => r.ConnectionId == connection).OrderByDescending(r => r.Id);
}
