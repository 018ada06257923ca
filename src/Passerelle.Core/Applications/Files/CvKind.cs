namespace Passerelle.Core.Applications.Files;

/// <summary>The kinds of document accepted as a CV or a cover letter, as recognised from their content.</summary>
public enum CvKind
{
    Pdf,
    Doc,
    Docx,
    Rtf,
    Odt,
    Txt,
}

public static class CvKindExtensions
{
    /// <summary>The canonical media type of <paramref name="kind"/>, the one Passerelle sends on to SmartRecruiters.</summary>
    public static string MediaType(this CvKind kind) => kind switch
    {
        CvKind.Pdf => "application/pdf",
        CvKind.Doc => "application/msword",
        CvKind.Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        CvKind.Rtf => "application/rtf",
        CvKind.Odt => "application/vnd.oasis.opendocument.text",
        CvKind.Txt => "text/plain; charset=utf-8",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a CV kind."),
    };

    /// <summary>The canonical file name extension of <paramref name="kind"/>, lower case, without the dot.</summary>
    public static string Extension(this CvKind kind) => kind switch
    {
        CvKind.Pdf => "pdf",
        CvKind.Doc => "doc",
        CvKind.Docx => "docx",
        CvKind.Rtf => "rtf",
        CvKind.Odt => "odt",
        CvKind.Txt => "txt",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a CV kind."),
    };
}
