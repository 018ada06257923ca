using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Passerelle.Core.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Where Passerelle keeps its data (section <c>Passerelle</c>).</summary>
public sealed class PasserelleOptions
{
    public const string SectionName = "Passerelle";

    /// <summary>Directory for the SQLite file, the key ring and CVs. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "./data";
}

/// <summary>The database (section <c>Database</c>; the connection string is <c>ConnectionStrings:Passerelle</c>).</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply migrations when the server starts. Default true; production runs <c>passerelle migrate</c> instead.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}

internal sealed class DatabaseOptionsValidator(IConfiguration configuration) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options) =>
        options.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(configuration.GetConnectionString("Passerelle"))
            ? ValidateOptionsResult.Fail("Database:Provider is Postgres but ConnectionStrings:Passerelle is empty: set it to an Npgsql connection string, e.g. \"Host=db;Database=passerelle;Username=passerelle;Password=…\".")
            : ValidateOptionsResult.Success;
}
