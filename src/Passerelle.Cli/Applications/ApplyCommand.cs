using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Passerelle.Cli.Connections;
using Passerelle.Cli.Jobs;
using Passerelle.Cli.Output;

namespace Passerelle.Cli.Applications;

/// <summary><c>passerelle apply</c>: submit an applicant with their CV, as the platform does (multipart).</summary>
internal static class ApplyCommand
{
    public static Command Build(CliActions actions)
    {
        var connection = ConnectionCommands.ConnectionArgument();
        var job = JobCommands.JobArgument();
        var cv = new Option<FileInfo>("--cv") { Description = "The CV: PDF, DOCX, DOC, ODT, RTF or TXT (checked by its content, at most 10 MB).", Required = true, HelpName = "FILE" };
        var coverLetter = new Option<FileInfo?>("--cover-letter") { Description = "An optional cover letter, same formats.", HelpName = "FILE" };
        var firstName = new Option<string>("--first-name") { Description = "The applicant's first name.", Required = true };
        var lastName = new Option<string>("--last-name") { Description = "The applicant's last name.", Required = true };
        var email = new Option<string>("--email") { Description = "The applicant's email address.", Required = true };
        var phone = new Option<string?>("--phone") { Description = "The applicant's phone number." };
        var consent = new Option<string>("--consent-text")
        {
            Description = "The consent text the applicant agreed to (required by the API: no application without consent).",
            Required = true,
            HelpName = "TEXT",
        };
        var consentVersion = new Option<string?>("--consent-version") { Description = "The version of that consent text, e.g. 2026-01.", HelpName = "VERSION" };
        var key = new Option<string?>("--idempotency-key")
        {
            Description = "Send the same key on every retry of this application: the API never makes a second one. A UUID is ideal.",
            HelpName = "KEY",
        };
        var command = new Command("apply", "Submit an applicant with their CV to a job; prints the application id and the URL to follow it.")
        {
            connection, job, cv, coverLetter, firstName, lastName, email, phone, consent, consentVersion, key,
        };
        actions.Set(command, async (context, ct) =>
        {
            var files = new[] { ("cv", context.Get(cv)), ("coverLetter", context.Get(coverLetter)) };
            foreach (var (part, file) in files)
            {
                if (file is { Exists: false })
                {
                    throw new CliException(ExitCodes.Usage, $"There is no file {file.FullName} (--{(part == "cv" ? "cv" : "cover-letter")}).");
                }
            }

            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var jobId = (await JobResolver.GetAsync(context.Api, id, context.Get(job)!, context.Env.PageSize, ct))["job"].S("id")!;
            var applicant = new JsonObject
            {
                ["firstName"] = context.Get(firstName),
                ["lastName"] = context.Get(lastName),
                ["email"] = context.Get(email),
                ["consent"] = new JsonObject { ["given"] = true, ["text"] = context.Get(consent), ["version"] = context.Get(consentVersion) },
                ["channel"] = "passerelle-cli",
            };
            if (context.Get(phone) is { Length: > 0 } p)
            {
                applicant["phoneNumber"] = p;
            }

            using var form = new MultipartFormDataContent { { new StringContent(applicant.ToJsonString(), Encoding.UTF8, "application/json"), "applicant" } };
            foreach (var (part, file) in files)
            {
                if (file is not null)
                {
                    var content = new ByteArrayContent(await File.ReadAllBytesAsync(file.FullName, ct));
                    content.Headers.ContentType = new MediaTypeHeaderValue(ContentType(file.Name));
                    form.Add(content, part, file.Name);
                }
            }

            var headers = context.Get(key) is { Length: > 0 } k ? new Dictionary<string, string> { ["Idempotency-Key"] = k } : null;
            var accepted = (await context.Api.SendAsync(HttpMethod.Post, $"api/v1/connections/{id}/jobs/{Uri.EscapeDataString(jobId)}/applications", form, ct, headers)).Body!;
            if (context.Out.Json)
            {
                context.Out.Document(accepted);
                return ExitCodes.Ok;
            }

            context.Out.Fields(("Application", accepted.S("id")), ("State", accepted.S("state")), ("Status URL", context.Api.Absolute(accepted.S("statusUrl") ?? "").AbsoluteUri));
            context.Out.Hint($"Follow it: passerelle applications watch {accepted.S("id")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string ContentType(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".pdf" => "application/pdf",
        ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".doc" => "application/msword",
        ".odt" => "application/vnd.oasis.opendocument.text",
        ".rtf" => "application/rtf",
        ".txt" => "text/plain",
        _ => "application/octet-stream",
    };
}
