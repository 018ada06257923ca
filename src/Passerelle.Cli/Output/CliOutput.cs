using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Passerelle.Cli.Output;

/// <summary>
/// Where results go: Spectre tables and lines for people, or with <c>--json</c> one JSON document (the API's own) on
/// stdout and nothing else there. Problems and hints always go to stderr.
/// </summary>
internal sealed class CliOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly CliEnvironment _env;

    public CliOutput(CliEnvironment env, bool json)
    {
        _env = env;
        Json = json;
        var noColour = env.OutputRedirected || !string.IsNullOrEmpty(env.GetVariable("NO_COLOR"));
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(env.Out),
            Ansi = noColour ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = noColour ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = env.OutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (env.OutputRedirected)
        {
            // A file or a pipe has no width: do not wrap ids and URLs at 80 columns.
            Console.Profile.Width = 200;
        }
    }

    /// <summary>True with <c>--json</c>: write documents only.</summary>
    public bool Json { get; }

    public IAnsiConsole Console { get; }

    public bool Live => !_env.OutputRedirected && !Json;

    public void Document(JsonNode? node) => _env.Out.WriteLine((node ?? new JsonObject()).ToJsonString(Indented));

    /// <summary>One compact document per line, for streams (<c>watch --json</c>).</summary>
    public void DocumentLine(JsonNode node) => _env.Out.WriteLine(node.ToJsonString(Compact));

    /// <summary>A plain line, never wrapped (sentences with remedies stay whole for grep and copy-paste).</summary>
    public void Line(string text = "") => _env.Out.WriteLine(text);

    public void Write(IRenderable renderable) => Console.Write(renderable);

    /// <summary>A hint that is not the result (e.g. what to run next): stderr, so stdout stays the result.</summary>
    public void Hint(string text) => _env.Error.WriteLine(text);

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)));
        }

        return table;
    }

    /// <summary>A row of plain texts (never markup: names and details come from users and SR).</summary>
    public static void Row(Table table, params string?[] cells) => table.AddRow([.. cells.Select(c => (IRenderable)new Text(c ?? ""))]);

    /// <summary>Label/value lines, for one object; empty values are left out.</summary>
    public void Fields(params (string Label, string? Value)[] fields)
    {
        var shown = fields.Where(f => !string.IsNullOrEmpty(f.Value)).ToList();
        var width = shown.Count == 0 ? 0 : shown.Max(f => f.Label.Length) + 3;
        foreach (var (label, value) in shown)
        {
            Line((label + ":").PadRight(width) + value);
        }
    }
}

/// <summary>Reading the API's JSON without ceremony.</summary>
internal static class JsonRead
{
    public static string? S(this JsonNode? node, string name) => node?[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    public static int I(this JsonNode? node, string name) => node?[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;

    public static bool B(this JsonNode? node, string name) => node?[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static IEnumerable<JsonNode> Items(this JsonNode? node, string? name = null) =>
        (name is null ? node : node?[name]) is JsonArray array ? array.Where(n => n is not null).Select(n => n!) : [];

    /// <summary>An instant as a person reads it: UTC, to the second.</summary>
    public static string? When(this JsonNode? node, string name) =>
        DateTimeOffset.TryParse(node.S(name), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
            ? at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : node.S(name);
}
