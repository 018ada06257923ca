namespace Passerelle.Cli.Tests;

public sealed class NamesTests
{
    [Theory]
    [InlineData("Maison Azurr", "Maison Azur")]
    [InlineData("maison", "Maison Azur")]
    [InlineData("Maisn Azur", "Maison Azur")]
    [InlineData("Boulangerie Marcel", "Boulangerie Martel")]
    public void The_closest_name_is_suggested(string typed, string expected) =>
        Names.Closest(typed, ["Maison Azur", "Boulangerie Martel", "Garage du Port"]).ShouldBe(expected);

    [Fact]
    public void Nothing_is_suggested_when_no_name_is_close()
    {
        Names.Closest("Zzz", ["Maison Azur", "Garage du Port"]).ShouldBeNull();
        Names.NotFound("connection", "Zzz", ["Maison Azur", "Garage du Port"]).ShouldBe("No connection 'Zzz'. Known: 'Maison Azur', 'Garage du Port'.");
        Names.NotFound("connection", "Zzz", []).ShouldBe("No connection 'Zzz': there are none yet.");
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("azur", "azure", 1)]
    public void Distance_counts_edits(string a, string b, int distance) => Names.Distance(a, b).ShouldBe(distance);
}
