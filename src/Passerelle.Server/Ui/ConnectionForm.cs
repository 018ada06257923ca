namespace Passerelle.Server.Ui;

/// <summary>One input of a connection form, as the <c>_Field</c> partial draws it: a password is never re-filled.</summary>
public sealed record FieldModel(string Name, string Label, string? Value, string? Error, string? Hint = null, string Type = "text", bool Required = false, string? Autocomplete = null)
{
    public string? DescribedBy => string.Join(' ', new[] { Hint is null ? null : Name + "-hint", Error is null ? null : Name + "-error" }.OfType<string>()) is { Length: > 0 } ids ? ids : null;
}

/// <summary>Parsing what the connection forms receive, so that nothing a person types can throw.</summary>
public static class ConnectionForm
{
    /// <summary>Comma-separated tags, trimmed; empty pieces (a trailing comma) are dropped.</summary>
    public static List<string> Tags(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Whole minutes: empty is <see cref="TimeSpan.Zero"/> (the default), something else that is not a count is null.</summary>
    public static TimeSpan? Minutes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return TimeSpan.Zero;
        }

        return int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes) && minutes <= 100_000
            ? TimeSpan.FromMinutes(minutes)
            : null;
    }
}
