using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Server.Applications;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Careers;

/// <summary>
/// The application form. It goes through the API's intake (<see cref="ApplicationSubmission"/>: the same applicant
/// rules, the same file inspection by content, the same acceptance and lane nudge); only the wording differs, said
/// here in the reader's language next to each field. A random token made when the form is shown is the
/// idempotency key, so a double click or a resent form makes one application.
/// </summary>
[CareersEnabled]
[CareerUploadLimits]
public sealed class CareersApplyModel(
    PasserelleDbContext db, Lang lang, ApplicationIntake intake, ILaneWaker lanes, CvInspector inspector, IOptionsMonitor<ApplicationOptions> options) : PageModel
{
    /// <summary>The channel applications of the career site carry (and SR gets as a tag).</summary>
    public const string Channel = "careers";

    /// <summary>The version of the consent sentence below; change it when the sentence changes.</summary>
    public const string ConsentVersion = "careers-2026-01";

    public const string Actor = "careers";

    public static readonly string AcceptedExtensions = ".pdf,.doc,.docx,.odt,.rtf,.txt";

    public CareerCompany Company { get; private set; } = null!;
    public string JobTitle { get; private set; } = "";
    public string JobUrl => Company.JobUrl(JobId);
    public string JobId { get; private set; } = "";

    [BindProperty]
    public string? FirstName { get; set; }

    [BindProperty]
    public string? LastName { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Phone { get; set; }

    [BindProperty]
    public bool Consent { get; set; }

    /// <summary>Made when the form is shown and sent back with it: the idempotency key of this application.</summary>
    [BindProperty]
    public string? Token { get; set; }

    /// <summary>Errors by field name (FirstName, LastName, Email, Phone, Consent, Cv, CoverLetter).</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>A problem with the whole form (the job closed meanwhile, the form already sent).</summary>
    public string? FormError { get; private set; }

    public string? EarlierReceipt { get; private set; }

    public bool JobClosed { get; private set; }

    /// <summary>Files were chosen but the form comes back: browsers never keep them, so the page says to choose them again.</summary>
    public bool ChooseFilesAgain { get; private set; }

    public long MaxFileSize => options.CurrentValue.MaxFileSize;

    public string MaxFileSizeText => CareerSite.Megabytes(lang, MaxFileSize);

    /// <summary>What the applicant agrees to, shown next to the box and stored with the consent, in the language they read.</summary>
    public string ConsentText => lang.T(
        $"I agree that {Company.Name} processes the data of this application (contact details, CV and cover letter) to consider it and to contact me about jobs. The data is sent to {Company.Name}'s recruitment software and kept for the time of the recruitment; I can ask for it to be erased at any time.",
        $"J'accepte que {Company.Name} traite les données de cette candidature (coordonnées, CV et lettre de motivation) pour l'étudier et me contacter au sujet de ses offres. Elles sont transmises au logiciel de recrutement de {Company.Name} et conservées le temps du recrutement ; je peux demander leur effacement à tout moment.");

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public async Task<IActionResult> OnGetAsync(string connection, string jobId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(connection, jobId, cancellationToken) is { } missing)
        {
            return missing;
        }

        if (JobClosed)
        {
            return CareerSite.NotFound(HttpContext, lang, Company);
        }

        Token = NewToken();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string connection, string jobId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(connection, jobId, cancellationToken) is { } missing)
        {
            return missing;
        }

        if (!IsToken(Token))
        {
            // A form from elsewhere or edited: it still goes through, with a key of its own.
            Token = NewToken();
        }

        var files = Request.HasFormContentType ? Request.Form.Files : null;
        var cv = files?.GetFile("Cv");
        var letter = files?.GetFile("CoverLetter");
        ChooseFilesAgain = cv is not null || letter is not null;
        if (JobClosed)
        {
            FormError = ClosedSentence();
            return Page();
        }

        var applicant = new ApplicantInput
        {
            FirstName = Clean(FirstName),
            LastName = Clean(LastName),
            Email = Clean(Email),
            PhoneNumber = Clean(Phone),
            Consent = new ApplicantConsent(Consent, ConsentText, ConsentVersion),
            Channel = Channel,
        };
        foreach (var (path, messages) in ApplicantRules.Validate(applicant))
        {
            var field = path switch
            {
                "firstName" => nameof(FirstName),
                "lastName" => nameof(LastName),
                "email" => nameof(Email),
                "phoneNumber" => nameof(Phone),
                _ when path.StartsWith("consent", StringComparison.Ordinal) => nameof(Consent),
                _ => null,
            };
            if (field is not null)
            {
                Errors.TryAdd(field, Translate(field, messages[0]));
            }
            else
            {
                FormError ??= lang.T("Your application could not be accepted: check the form and send it again.",
                    "Votre candidature n'a pas pu être acceptée : vérifiez le formulaire et envoyez-la à nouveau.");
            }
        }

        var inspectedCv = await InspectAsync(cv, ApplicationFileKind.Cv, "Cv", cancellationToken);
        var inspectedLetter = letter is null ? null : await InspectAsync(letter, ApplicationFileKind.CoverLetter, "CoverLetter", cancellationToken);
        if (Errors.Count > 0 || FormError is not null)
        {
            return Page();
        }

        var result = await ApplicationSubmission.AcceptAsync(intake, lanes,
            new IntakeRequest(Company.Id, JobId, applicant, inspectedCv!, inspectedLetter, "careers:" + Token, Actor), cancellationToken);
        switch (result.Kind)
        {
            case IntakeResultKind.Accepted or IntakeResultKind.Replayed:
                // Post-redirect-get: a reload shows the receipt again and sends nothing.
                return Redirect($"{Company.Home}/receipt/{result.Application!.Id}");
            case IntakeResultKind.KeyConflict:
                // This form was already sent with other content (the applicant came back and changed it): the first
                // one stands; a new token lets them send this one knowingly.
                EarlierReceipt = $"{Company.Home}/receipt/{result.Application!.Id}";
                FormError = lang.T("This form was already sent. See the receipt of your application below; to send another application, send this form again.",
                    "Ce formulaire a déjà été envoyé. Consultez l'accusé de réception de votre candidature ci-dessous ; pour envoyer une autre candidature, envoyez à nouveau ce formulaire.");
                Token = NewToken();
                return Page();
            case IntakeResultKind.JobClosed or IntakeResultKind.JobNotFound:
                JobClosed = true;
                FormError = ClosedSentence();
                return Page();
            default:
                return CareerSite.NotFound(HttpContext, lang);
        }
    }

    /// <summary>The company and the job; a 404 page when either is not shown on the site (a job closed meanwhile is said on the form).</summary>
    private async Task<IActionResult?> LoadAsync(string connection, string jobId, CancellationToken cancellationToken)
    {
        var company = await CareerSite.ResolveAsync(db, connection, cancellationToken);
        if (company is null || jobId.Length > 200)
        {
            return CareerSite.NotFound(HttpContext, lang, company);
        }

        var job = await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == company.Id && o.SrJobId == jobId)
            .Select(o => new { o.Title, o.PostingStatus }).SingleOrDefaultAsync(cancellationToken);
        if (job is null || job.PostingStatus != Jobs.OpenJobs.PublicPosting)
        {
            return CareerSite.NotFound(HttpContext, lang, company);
        }

        Company = company;
        JobId = jobId;
        JobTitle = job.Title ?? lang.T("Job offer", "Offre d'emploi");
        JobClosed = !await CareerSite.Shown(db, company.Id).AnyAsync(o => o.SrJobId == jobId, cancellationToken);
        ViewData[CareerSite.CompanyKey] = company;
        return null;
    }

    private string ClosedSentence() => lang.T(
        "This job offer closed while you were filling in the form: your application was not sent. Have a look at our other offers.",
        "Cette offre a été clôturée pendant que vous remplissiez le formulaire : votre candidature n'a pas été envoyée. Découvrez nos autres offres.");

    private async Task<IncomingFile?> InspectAsync(IFormFile? file, ApplicationFileKind kind, string field, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            if (kind == ApplicationFileKind.Cv)
            {
                Errors[field] = lang.T("Choose your CV.", "Choisissez votre CV.");
            }

            return null;
        }

        if (file.Length > MaxFileSize)
        {
            Errors[field] = lang.T($"This file is larger than {MaxFileSizeText}: choose a smaller one (a PDF export is usually small).",
                $"Ce fichier dépasse {MaxFileSizeText} : choisissez un fichier plus léger (un export PDF est en général léger).");
            return null;
        }

        var content = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(content, cancellationToken);
        }

        var (inspected, rejected) = ApplicationSubmission.Inspect(inspector, content, file.ContentType, file.FileName, kind);
        if (rejected is not null)
        {
            Errors[field] = FileSentence(rejected.Code);
        }

        return inspected;
    }

    private string FileSentence(string code) => code switch
    {
        CvProblems.Empty => lang.T("This file is empty: choose your document again.", "Ce fichier est vide : choisissez à nouveau votre document."),
        CvProblems.TypeMismatch => lang.T("This file's name or type does not match its content: save the document again (as PDF, for instance) and choose it again.",
            "Le nom ou le type de ce fichier ne correspond pas à son contenu : enregistrez à nouveau le document (en PDF, par exemple) et choisissez-le à nouveau."),
        CvProblems.Corrupt => lang.T("This file seems damaged or incomplete: export it again (PDF is best) and choose it again.",
            "Ce fichier semble endommagé ou incomplet : exportez-le à nouveau (de préférence en PDF) et choisissez-le à nouveau."),
        CvProblems.ArchiveUnsafe => lang.T("This document cannot be opened safely: save it again as PDF and choose it again.",
            "Ce document ne peut pas être ouvert sans risque : enregistrez-le à nouveau en PDF et choisissez-le à nouveau."),
        CvProblems.NameInvalid => lang.T("The file name has characters that are not allowed: rename the file and choose it again.",
            "Le nom du fichier contient des caractères non autorisés : renommez le fichier et choisissez-le à nouveau."),
        _ => lang.T("This file is not a PDF, Word (DOC, DOCX), OpenDocument (ODT), RTF or text document: choose a document in one of these formats.",
            "Ce fichier n'est pas un document PDF, Word (DOC, DOCX), OpenDocument (ODT), RTF ou texte : choisissez un document dans l'un de ces formats."),
    };

    /// <summary>The intake's rule, said for this field in the reader's language (the rules' own sentences are for API clients).</summary>
    private string Translate(string field, string rule)
    {
        if (rule == "Required.")
        {
            return field switch
            {
                nameof(FirstName) => lang.T("Enter your first name.", "Saisissez votre prénom."),
                nameof(LastName) => lang.T("Enter your last name.", "Saisissez votre nom."),
                nameof(Email) => lang.T("Enter your email address.", "Saisissez votre adresse e-mail."),
                _ => lang.T("This field is required.", "Ce champ est obligatoire."),
            };
        }

        if (field == nameof(Consent))
        {
            return lang.T("Tick the box to give your consent: without it, your application cannot be sent.",
                "Cochez la case pour donner votre accord : sans lui, votre candidature ne peut pas être transmise.");
        }

        if (rule.StartsWith("At most ", StringComparison.Ordinal) && int.TryParse(rule.Split(' ')[2], NumberStyles.None, CultureInfo.InvariantCulture, out var max))
        {
            return lang.T($"At most {max} characters.", $"{max} caractères au maximum.");
        }

        if (rule.StartsWith("Contains control", StringComparison.Ordinal))
        {
            return lang.T("Remove the special characters (control or direction characters) from this field.",
                "Retirez de ce champ les caractères spéciaux (caractères de contrôle ou de direction).");
        }

        return field switch
        {
            nameof(Email) => lang.T("Enter an email address such as name@example.com.", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
            nameof(Phone) => lang.T("Only digits, spaces and + - . ( ) / are allowed.", "Seuls les chiffres, les espaces et + - . ( ) / sont acceptés."),
            _ => lang.T("This value is not accepted.", "Cette valeur n'est pas acceptée."),
        };
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string NewToken() => Guid.NewGuid().ToString("N");

    private static bool IsToken(string? token) => token is { Length: 32 } && token.All(char.IsAsciiHexDigitLower);
}
