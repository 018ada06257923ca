using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Passerelle.Server.Infrastructure;

namespace Passerelle.Server.Tests.Infrastructure;

/// <summary>A database that does not answer is a 503 to send again, never the 409 of a refused write or a 500.</summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public void A_timeout_or_a_lost_socket_under_EF_s_update_exception_is_the_database_being_unavailable()
    {
        ConflictExceptionHandler.DatabaseUnavailable(new DbUpdateException("save", new NpgsqlException("timeout", new TimeoutException()))).ShouldBeTrue();
        ConflictExceptionHandler.DatabaseUnavailable(new InvalidOperationException("open", new NpgsqlException("refused", new SocketException((int)SocketError.ConnectionRefused)))).ShouldBeTrue();
        ConflictExceptionHandler.DatabaseUnavailable(new DbUpdateException("save", new IOException("reset"))).ShouldBeFalse("an I/O error outside the provider is not the database's");
        ConflictExceptionHandler.DatabaseUnavailable(new DbUpdateException("unique index", new InvalidOperationException("23505"))).ShouldBeFalse("a refused write stays a conflict");
    }
}
