using Passerelle.Server.Ui;

namespace Passerelle.Server.Tests.Console;

public sealed class LangTests
{
    [Theory]
    [InlineData("fr-FR,fr;q=0.9,en;q=0.8", "fr")]
    [InlineData("fr-CA", "fr")]
    [InlineData("en-US,en;q=0.9,fr;q=0.8", "en")]
    [InlineData("de-DE,fr;q=0.7,en;q=0.5", "fr")]
    [InlineData("de-DE,en;q=0.7,fr;q=0.5", "en")]
    [InlineData("en;q=0.4,fr;q=0.6", "fr")]
    [InlineData("fr;q=0,en", "en")]
    [InlineData("FR", "fr")]
    [InlineData("french,frx", "en")]
    [InlineData("de-DE", "en")]
    [InlineData("", "en")]
    [InlineData(";;;q=,", "en")]
    public void The_browser_s_languages_choose_french_or_english_by_quality_then_order(string acceptLanguage, string expected) =>
        Lang.FromBrowser(acceptLanguage).ShouldBe(expected);
}
