namespace Passerelle.Core.Applications.Files;

/// <summary>
/// Limits for the archives inside DOCX and ODT files. The size of the file itself is not here: the endpoint enforces
/// it while reading the request, before any inspection.
/// </summary>
public sealed record CvInspectorOptions
{
    /// <summary>Most entries a DOCX or ODT may hold. Default 1,000 (a long CV with images has a few dozen).</summary>
    public int MaxArchiveEntries { get; init; } = 1_000;

    /// <summary>Most bytes all entries of an archive may inflate to, declared or actual. Default 100 MB.</summary>
    public long MaxInflatedBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>
    /// Highest inflated/compressed ratio for one entry and for the whole archive. Default 100 (ordinary XML parts
    /// compress 5 to 20 times). Only judged on entries, and archives, that inflate to more than
    /// <see cref="CompressionRatioFloorBytes"/>: a tiny part compressed very well harms nobody.
    /// </summary>
    public double MaxCompressionRatio { get; init; } = 100;

    /// <summary>Inflated size below which the compression ratio is not judged. Default 1 MB.</summary>
    public long CompressionRatioFloorBytes { get; init; } = 1024 * 1024;

    internal void Validate()
    {
        if (MaxArchiveEntries < 1 || MaxInflatedBytes < 1 || MaxCompressionRatio < 1 || CompressionRatioFloorBytes < 0)
        {
            throw new ArgumentException(
                $"CV inspection limits must be positive: MaxArchiveEntries={MaxArchiveEntries}, MaxInflatedBytes={MaxInflatedBytes}, " +
                $"MaxCompressionRatio={MaxCompressionRatio}, CompressionRatioFloorBytes={CompressionRatioFloorBytes}.");
        }
    }
}
