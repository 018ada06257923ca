namespace Passerelle.Server.Infrastructure;

/// <summary>
/// A one-time secret written for the operator (the first API key, the first console password): a file in the data
/// directory readable by its owner only, the directory itself owner-only too (it also holds the key ring and SQLite).
/// </summary>
internal static class OwnerOnlyFile
{
    public static async Task<string> WriteAsync(string directory, string fileName, string line, CancellationToken cancellationToken = default)
    {
        var dataDirectory = Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDirectory);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = Path.Combine(dataDirectory, fileName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteLineAsync(line.AsMemory(), cancellationToken);
        }

        return path;
    }
}
