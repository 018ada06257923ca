namespace Passerelle.Cli.Tests;

/// <summary>Scratch directories for one test run, under one root that is deleted when the run ends.</summary>
internal static class TestDirectories
{
    private static readonly Lazy<DirectoryInfo> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("passerelle-cli-tests-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                root.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file still open at exit: the OS's temp cleanup gets it.
            }
        };
        return root;
    });

    public static string New(string purpose) => Root.Value.CreateSubdirectory($"{purpose}-{Guid.NewGuid():N}").FullName;
}
