namespace Passerelle.Server.Operations;

/// <summary><c>passerelle doctor</c>: checks an installation without starting it.</summary>
public static class Doctor
{
    /// <summary>Every check, in order: configuration, database, key ring, cluster, each connection's SR address.</summary>
    public static Task<IReadOnlyList<DoctorCheck>> RunAsync(OperationsTarget target, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}

/// <summary><c>passerelle migrate</c>: brings the database to this version's schema.</summary>
public static class Migrator
{
    /// <summary>Applies the pending migrations. Throws <see cref="OperationsException"/> when the configuration is invalid or the database unreachable.</summary>
    public static Task<MigrationReport> RunAsync(OperationsTarget target, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
