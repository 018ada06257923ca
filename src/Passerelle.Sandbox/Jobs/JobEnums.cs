namespace Passerelle.Sandbox.Jobs;

public static class JobStatuses
{
    public static readonly IReadOnlyList<string> All = ["CREATED", "SOURCING", "FILLED", "INTERVIEW", "OFFER", "CANCELLED", "ON_HOLD", "OTHER"];

    /// <summary>Statuses in which SR refuses new candidates (the sandbox answers 422).</summary>
    public static readonly IReadOnlyList<string> Closed = ["FILLED", "CANCELLED"];
}

public static class PostingStatuses
{
    public static readonly IReadOnlyList<string> All = ["PUBLIC", "INTERNAL", "NOT_PUBLISHED", "PRIVATE"];
}

internal static class Languages
{
    private static readonly Dictionary<string, (string Label, string Native)> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fr"] = ("French", "français"),
        ["en"] = ("English", "English"),
        ["de"] = ("German", "Deutsch"),
        ["es"] = ("Spanish", "español"),
        ["it"] = ("Italian", "italiano"),
        ["nl"] = ("Dutch", "Nederlands"),
        ["pt"] = ("Portuguese", "português"),
    };

    public static Wire.LanguageInfo Info(string code) => Known.TryGetValue(code, out var names)
        ? new Wire.LanguageInfo { Code = code.ToLowerInvariant(), Label = names.Label, LabelNative = names.Native }
        : new Wire.LanguageInfo { Code = code.ToLowerInvariant(), Label = code, LabelNative = code };

    /// <summary>The languages an <c>Accept-Language</c> header asks for, best first (primary subtags only).</summary>
    public static IReadOnlyList<string> Preferences(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return [];
        }

        var ranked = new List<(string Code, double Quality, int Order)>();
        var parts = header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var pieces = parts[i].Split(';', StringSplitOptions.TrimEntries);
            var quality = 1.0;
            foreach (var parameter in pieces.Skip(1))
            {
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && double.TryParse(parameter[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var q))
                {
                    quality = q;
                }
            }

            var code = pieces[0].Split('-')[0];
            if (code.Length is >= 2 and <= 8 && code != "*" && quality > 0)
            {
                ranked.Add((code.ToLowerInvariant(), quality, i));
            }
        }

        return [.. ranked.OrderByDescending(r => r.Quality).ThenBy(r => r.Order).Select(r => r.Code).Distinct()];
    }
}
