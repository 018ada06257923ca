namespace Passerelle.Cli;

/// <summary>"Did you mean": the known name closest to what was typed.</summary>
internal static class Names
{
    /// <summary>The closest of <paramref name="known"/>: one containing the text (or contained in it) first, else the fewest edits, if few enough to be a typo.</summary>
    public static string? Closest(string typed, IEnumerable<string> known)
    {
        var wanted = typed.Trim();
        var names = known.Where(n => !string.IsNullOrWhiteSpace(n)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var containing = names.Where(n => n.Contains(wanted, StringComparison.OrdinalIgnoreCase) || wanted.Contains(n, StringComparison.OrdinalIgnoreCase))
            .OrderBy(n => Math.Abs(n.Length - wanted.Length)).FirstOrDefault();
        if (containing is not null && wanted.Length >= 2)
        {
            return containing;
        }

        var best = names.Select(n => (Name: n, Distance: Distance(wanted.ToLowerInvariant(), n.ToLowerInvariant()))).OrderBy(c => c.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, Math.Max(wanted.Length, best.Name.Length) / 2) ? best.Name : null;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>The sentence for an unknown name: a suggestion, or the names there are.</summary>
    public static string NotFound(string what, string typed, IReadOnlyCollection<string> known)
    {
        if (Closest(typed, known) is { } suggestion)
        {
            return $"No {what} '{typed}'. Did you mean '{suggestion}'?";
        }

        return known.Count == 0 ? $"No {what} '{typed}': there are none yet." : $"No {what} '{typed}'. Known: {string.Join(", ", known.Take(8).Select(k => $"'{k}'"))}{(known.Count > 8 ? ", …" : "")}.";
    }
}
