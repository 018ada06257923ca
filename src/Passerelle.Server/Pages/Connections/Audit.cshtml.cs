using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.Pages.Connections;

/// <summary>A connection's audit log, newest first, 50 lines a page.</summary>
public sealed class AuditModel(PasserelleDbContext db) : ConnectionListPage<ConnectionAudit>(db, 50)
{
    protected override IQueryable<ConnectionAudit> Newest(PasserelleDbContext db, ConnectionId connection) =>
        db.ConnectionAudit.Where(a => a.ConnectionId == connection).OrderByDescending(a => a.At).ThenByDescending(a => a.Id);
}
