namespace Passerelle.Core.Applications.Files;

/// <summary>What <see cref="CvInspector"/> decided about a file: <see cref="CvAccepted"/> or <see cref="CvRejected"/>.</summary>
public abstract record CvInspection
{
    private protected CvInspection()
    {
    }
}

/// <param name="Kind">The kind recognised from the content.</param>
/// <param name="MediaType">
/// The media type to pass on, whatever the sender declared: the canonical one of <paramref name="Kind"/>, except
/// <c>text/plain; charset=utf-16</c> for text that came as UTF-16 (the bytes are never converted).
/// </param>
/// <param name="SafeFileName">A name safe to store and to pass on, ending in the extension of <paramref name="Kind"/>.</param>
public sealed record CvAccepted(CvKind Kind, string MediaType, string SafeFileName) : CvInspection;

/// <param name="Code">One of <see cref="CvProblems"/>.</param>
/// <param name="Status">The HTTP status to answer with.</param>
/// <param name="Detail">One sentence telling the sender what to do. It never quotes the file's content or name.</param>
public sealed record CvRejected(string Code, int Status, string Detail) : CvInspection;
