namespace Passerelle.Cli;

/// <summary>What <c>passerelle</c> exits with; scripts branch on these, so they never change meaning.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The operation ran and failed: a sync failed, a probe found problems, doctor found failures.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong (unknown option, missing argument, a secret given as an argument).</summary>
    public const int Usage = 2;

    /// <summary>No such connection, job, application, key or subscription.</summary>
    public const int NotFound = 3;

    /// <summary>No credentials configured, or the server refused them (401/403).</summary>
    public const int Auth = 4;

    /// <summary>The API refused the request as it stands (400, 409, 413, 415, 422).</summary>
    public const int Conflict = 5;

    /// <summary>The server could not be reached or failed (5xx).</summary>
    public const int Unreachable = 6;

    public const string Table = """
        Exit codes:
          0  ok
          1  the operation failed (a sync failed, a probe found problems, doctor found failures)
          2  usage error (unknown option, missing argument, a secret given as an argument)
          3  not found (connection, job, application, key, webhook subscription)
          4  authentication: no server or API key configured, or the key was refused (401/403)
          5  refused by the API: conflict or validation (400, 409, 413, 415, 422)
          6  server unreachable, or it failed (5xx)
        """;
}
