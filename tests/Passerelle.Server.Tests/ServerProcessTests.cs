using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>The out-of-process server the crash test relies on: it starts, dies on SIGKILL, and comes back with its data.</summary>
[Trait("Category", "Process")]
public sealed class ServerProcessTests
{
    [Fact]
    public async Task A_killed_server_restarts_on_the_same_data_and_ports_and_its_log_holds_no_key()
    {
        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "server-process-test" });
        (await server.Admin().GetAsync("/api/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var platform = await server.NewKeyAsync("platform");
        (await server.Http(platform).GetAsync("/api/v1/connections/00000000-0000-0000-0000-000000000001/jobs")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var pid = server.ProcessId;
        server.Kill();
        server.ProcessId.ShouldBeNull();
        await Should.ThrowAsync<HttpRequestException>(() => server.Http().GetAsync("/health/live"));

        await server.RestartAsync();
        server.ProcessId.ShouldNotBeNull();
        server.ProcessId.ShouldNotBe(pid);
        server.Starts.ShouldBe(2);
        // Same database: the key created before the kill still authenticates, and no second bootstrap key was made.
        (await server.Admin().GetAsync("/api/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.Http(platform).GetAsync("/api/v1/connections/00000000-0000-0000-0000-000000000001/jobs")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var keys = await (await server.Admin().GetAsync("/api/v1/api-keys")).Content.ReadFromJsonAsync<List<KeyRow>>();
        keys!.Count(k => k.Name == "bootstrap-admin").ShouldBe(1);

        server.LogShouldNotContain([]);
        server.Log().ShouldContain("killed (SIGKILL)");
    }

    [Fact]
    public async Task A_start_refused_for_a_bad_setting_says_which_and_leaves_the_data_directory_untouched()
    {
        var data = Directory.CreateTempSubdirectory("passerelle-refused-");
        try
        {
            var refused = await Should.ThrowAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new ServerProcessOptions
            {
                Name = "refused-start", DataDirectory = data.FullName, Settings = new Dictionary<string, string?> { ["Webhooks:PollInterval"] = "00:00:00" },
            }));

            refused.Message.ShouldContain("exited with code 1");
            refused.Message.ShouldContain("Webhooks:PollInterval is 00:00:00");
            // The settings are checked before anything is migrated or written: no database, no key ring, no bootstrap key.
            data.EnumerateFileSystemInfos().Select(f => f.Name).ShouldBeEmpty();
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_generated_pdf_has_the_requested_length_and_shape_and_is_the_same_for_the_same_seed()
    {
        foreach (var length in new[] { 1024, 5_000, 200_000, 5 * 1024 * 1024 })
        {
            var pdf = PdfFiles.Random(length, length, "marker-1");
            pdf.Length.ShouldBe(length);
            Encoding.Latin1.GetString(pdf, 0, 5).ShouldBe("%PDF-");
            Encoding.Latin1.GetString(pdf, Math.Max(0, length - 1024), Math.Min(1024, length)).ShouldContain("%%EOF");
            var text = Encoding.Latin1.GetString(pdf);
            var startxref = int.Parse(text[(text.LastIndexOf("startxref\n", StringComparison.Ordinal) + 10)..].Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
            text.Substring(startxref, 4).ShouldBe("xref");
            var entries = text[startxref..].Split('\n').Skip(3).Take(5).Select(e => int.Parse(e[..10], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            entries.Select((offset, i) => text[offset..].StartsWith($"{i + 1} 0 obj", StringComparison.Ordinal)).ShouldAllBe(ok => ok);
            SHA256.HashData(PdfFiles.Random(length, length, "marker-1")).ShouldBe(SHA256.HashData(pdf));
        }

        SHA256.HashData(PdfFiles.Random(1, 5_000, "m")).ShouldNotBe(SHA256.HashData(PdfFiles.Random(2, 5_000, "m")));
    }

    [Fact]
    public void The_log_search_finds_every_planted_value_among_thousands_ignoring_case_and_names_it_by_label()
    {
        var secrets = Enumerable.Range(0, 50_000).Select(i => ($"applicant #{i}'s e-mail", $"person-{i:D5}@example.org")).ToList();
        secrets.Add(("a client secret", "S3cr3t-Value"));
        var log = new StringBuilder();
        for (var line = 0; line < 20_000; line++)
        {
            log.Append(CultureInfo.InvariantCulture, $"12:00:00.000 info: Passerelle.Core.Lanes.ConnectionLane[4] Lane {line}: delivered application {line}\n");
        }

        ServerProcess.Find(log.ToString(), secrets).ShouldBeEmpty();
        log.Insert(log.Length / 2, "… PERSON-31337@EXAMPLE.ORG …").Append("trailing s3cr3t-value");
        ServerProcess.Find(log.ToString(), secrets).Order(StringComparer.Ordinal).ShouldBe(["a client secret", "applicant #31337's e-mail"]);
    }

    [Fact]
    public void A_generated_pdf_is_exact_even_where_its_stream_length_gains_a_digit()
    {
        // Just above a power of ten, the random stream's length crosses it too: one digit more in its /Length and
        // startxref. The chaos harness's 20,000 CVs met such a length.
        foreach (var power in new[] { 10_000, 100_000 })
        {
            for (var length = power - 100; length <= power + 1_000; length++)
            {
                var pdf = PdfFiles.Random(length, length, "m");
                pdf.Length.ShouldBe(length);
                var text = Encoding.Latin1.GetString(pdf);
                var declared = int.Parse(Regex.Match(text, @"5 0 obj\n<< /Length (\d+) *>>\nstream\n").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                var start = text.IndexOf(">>\nstream\n", text.IndexOf("5 0 obj", StringComparison.Ordinal), StringComparison.Ordinal) + 10;
                text.Substring(start + declared, 10).ShouldBe("\nendstream", $"length {length}");
                var startxref = int.Parse(text[(text.LastIndexOf("startxref\n", StringComparison.Ordinal) + 10)..].Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
                text.Substring(startxref, 4).ShouldBe("xref", $"length {length}");
            }
        }
    }

    private sealed record KeyRow(string Name);
}
