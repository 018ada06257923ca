using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.SmartRecruiters.Tests;

internal static class TestData
{
    // Test files live in one folder per test run, removed when the test host exits.
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("passerelle-test-files-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        return folder;
    });

    public static CandidateInput Applicant(string email = "ada@example.org") =>
        new() { FirstName = "Ada", LastName = "Lovelace", Email = email, Tags = ["hippolyte-rh"] };

    /// <summary>A file of random bytes on disk, and a source that counts how often it was opened.</summary>
    public static (SrFile File, string Sha256, Func<int> Opens) TempFile(int bytes, string name = "cv.pdf")
    {
        var path = Path.Combine(Folder.Value, $"{Guid.NewGuid():N}-{name}");
        var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes);
        File.WriteAllBytes(path, content);
        var opens = 0;
        var onDisk = SrFile.FromPath(path, "application/pdf", name);
        var counted = onDisk with
        {
            OpenAsync = ct =>
            {
                Interlocked.Increment(ref opens);
                return onDisk.OpenAsync(ct);
            },
        };
        return (counted, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), () => Volatile.Read(ref opens));
    }
}
