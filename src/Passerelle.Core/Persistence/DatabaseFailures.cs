using System.Data.Common;
using System.Net.Sockets;

namespace Passerelle.Core.Persistence;

/// <summary>Tells the database being down or unreachable from a write it refused (EF wraps both in the same exceptions).</summary>
public static class DatabaseFailures
{
    /// <summary>
    /// True when <paramref name="exception"/> is the database not answering: a transient provider error, a socket or a
    /// timeout anywhere in the chain. False for what the database refused (a unique index, a constraint).
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException { IsTransient: true } or SocketException or TimeoutException
                || (e is Npgsql.NpgsqlException && e.InnerException is IOException or SocketException or TimeoutException))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why a database call failed, in a few words: no host, user, password or SQL (exception messages may hold them).</summary>
    public static string Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Npgsql.PostgresException postgres:
                    return $"PostgreSQL answered with error {postgres.SqlState}";
                case Microsoft.Data.Sqlite.SqliteException sqlite:
                    return $"SQLite error {sqlite.SqliteErrorCode}";
                case SocketException socket:
                    return $"the connection failed ({socket.SocketErrorCode})";
                case TimeoutException:
                    return "no answer in time";
                case IOException when e.InnerException is null:
                    return "the connection was lost";
            }
        }

        return $"it failed ({exception.GetType().Name})";
    }
}
