using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.SmartRecruiters.Tests;

internal static class TestData
{
    public static CandidateInput Applicant(string email = "ada@example.org") =>
        new() { FirstName = "Ada", LastName = "Lovelace", Email = email, Tags = ["hippolyte-rh"] };

    /// <summary>A file of random bytes on disk, and a source that counts how often it was opened.</summary>
    public static (SrFile File, string Sha256, Func<int> Opens) TempFile(int bytes, string name = "cv.pdf")
    {
        var path = Path.Combine(Path.GetTempPath(), $"passerelle-test-{Guid.NewGuid():N}-{name}");
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
