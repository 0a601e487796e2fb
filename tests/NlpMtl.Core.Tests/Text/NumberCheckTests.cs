using NlpMtl.Core.Text;

namespace NlpMtl.Core.Tests.Text;

/// <summary>The numbers a translation lost: the check behind a translate line's <c>numbers_missing</c>.</summary>
public class NumberCheckTests
{
    [Theory]
    [InlineData("It cost 50,000 yen.", "Es kostete 50.000 Yen.")] // German thousands
    [InlineData("Iceland has about 103,000 square kilometres.", "Island hat etwa 103 000 Quadratkilometer.")]
    [InlineData("We left at 2:30.", "Wir gingen um 2.30 Uhr.")]
    [InlineData("It grew 3.5 percent.", "Es wuchs um 3,5 Prozent.")]
    [InlineData("I was born on April 3, 1950.", "Ich wurde am 3. April 1950 geboren.")]
    [InlineData("The 12th century.", "Das 12. Jahrhundert.")]
    [InlineData("No numbers here.", "Hier keine Zahlen, aber 7 in der Übersetzung.")]
    public void NumbersWrittenTheTargetLanguagesWayAreCarried(string source, string translation) =>
        Assert.Empty(NumberCheck.Missing(source, translation));

    [Fact]
    public void RewrittenDroppedOrSpeltOutNumbersAreListedAsWrittenInSourceOrder()
    {
        Assert.Equal(
            ["1650"],
            NumberCheck.Missing("The school was founded in 1650.", "Die Schule wurde 2013 gegründet.")
        );
        Assert.Equal(["50,000"], NumberCheck.Missing("I owe him 50,000 yen.", "Ich schulde ihm 50 Yen."));
        Assert.Equal(["213", "3"], NumberCheck.Missing("Room 213, floor 3.", "Zimmer 1."));
        Assert.Equal(["8"], NumberCheck.Missing("They work 8 hours.", "Sie arbeiten acht Stunden.")); // digits only
        // A number twice needs two: one "2" in the translation carries one of them.
        Assert.Equal(["2"], NumberCheck.Missing("2 men and 2 dogs", "2 Männer und zwei Hunde"));
    }

    [Fact]
    public void SpacesGroupThousandsOnlyInTheStrictForm()
    {
        Assert.Equal(["12 200", "7"], NumberCheck.Numbers("12 200 cases in 7 days"));
        Assert.Equal(["2012", "200"], NumberCheck.Numbers("in 2012 200 people")); // a year, then a count
        Assert.Equal(["1,000", "2:30", "3.5"], NumberCheck.Numbers("1,000 at 2:30, 3.5 each."));
    }

    [Fact]
    public void CorpusCountsTheSourcesNumbersAndTheShareMissing()
    {
        var (numbers, missing) = NumberCheck.Corpus(
            ["In 1650, 40 men came.", "No number.", "Room 213."],
            ["1650 kamen vierzig Männer.", "Keine Zahl.", "Zimmer 213."]
        );
        Assert.Equal(3, numbers);
        Assert.Equal(100.0 / 3, missing, 6);
        Assert.Equal((0, 0.0), NumberCheck.Corpus(["none"], ["keine"]));
        var error = Assert.Throws<ArgumentException>(() => NumberCheck.Corpus(["a", "b"], ["a"]));
        Assert.Equal("translations", error.ParamName);
    }

    [Fact]
    public void RestoreWritesTheSourcesNumberWhereTheModelWroteAnother()
    {
        var year = NumberCheck.Restore("The school was founded in 1650.", "Die Schule wurde 2013 gegründet.");
        Assert.Equal("Die Schule wurde 1650 gegründet.", year.Text);
        Assert.Equal([new RestoredNumber("1650", "2013")], year.Restored);
        Assert.Empty(year.Missing);
        // As the source writes it, and in order: the k-th lost source number takes the k-th unexplained translation
        // number's place; the carried 2009 is neither.
        var two = NumberCheck.Restore(
            "In 2009, 76% voted, but only 46% early.",
            "2009 stimmten 196000 ab, aber nur 50 Prozent früh."
        );
        Assert.Equal("2009 stimmten 76 ab, aber nur 46 Prozent früh.", two.Text);
        Assert.Equal([new RestoredNumber("76", "196000"), new RestoredNumber("46", "50")], two.Restored);
        Assert.Equal(
            "Ich schulde ihm 50,000 Yen.",
            NumberCheck.Restore("I owe him 50,000 yen.", "Ich schulde ihm 50 Yen.").Text
        );
    }

    [Fact]
    public void RestoreWithAConventionWritesThePutBackNumberTheTargetsWay()
    {
        var german = NumberConvention.Between("en", "de");

        var yen = NumberCheck.Restore("I owe him 50,000 yen.", "Ich schulde ihm 50 Yen.", german);

        Assert.Equal("Ich schulde ihm 50.000 Yen.", yen.Text);
        // The line still lists the number as the source wrote it, and a number the translation carried is untouched.
        Assert.Equal([new RestoredNumber("50,000", "50")], yen.Restored);
        Assert.Equal(
            "2009 kostete es 3,5 Millionen.",
            NumberCheck.Restore("In 2009 it cost 3.5 million.", "2009 kostete es 9 Millionen.", german).Text
        );
        Assert.Equal(
            "Es kostete 1.234,5 Euro.",
            NumberCheck.Restore("It cost 1,234.5 euros.", "Es kostete 7 Euro.", german).Text
        );
    }

    [Fact]
    public void RestoreLeavesWhatItCannotPairAndNeverTouchesACarriedNumber()
    {
        // More lost than written: the nearest is put back, the other stays missing.
        var fewer = NumberCheck.Restore("Room 213 is on floor 3.", "Zimmer 1 ist oben.");
        Assert.Equal("Zimmer 213 ist oben.", fewer.Text);
        Assert.Equal(["3"], fewer.Missing);
        // More written than lost: the lost number takes the place of the nearest, and the other stays (here it
        // spells out a source word).
        var more = NumberCheck.Restore("Two rooms, number 213.", "2 Zimmer, Nummer 7.");
        Assert.Equal("2 Zimmer, Nummer 213.", more.Text);
        Assert.Equal([new RestoredNumber("213", "7")], more.Restored);
        Assert.Equal(
            "Vor 1998 kamen 2 nach 2004.",
            NumberCheck.Restore("Before 1998, two came in 2004.", "Vor 1997 kamen 2 nach 2003.").Text
        );
        // Spelt out, nothing to replace: listed, text unchanged.
        var spelt = NumberCheck.Restore("They work 8 hours.", "Sie arbeiten acht Stunden.");
        Assert.Equal("Sie arbeiten acht Stunden.", spelt.Text);
        Assert.Equal(["8"], spelt.Missing);
        Assert.Empty(spelt.Restored);
        // Carried in the target's separators: nothing restored, the German form kept.
        var carried = NumberCheck.Restore("It cost 50,000 yen at 2:30.", "Es kostete 50.000 Yen um 2.30 Uhr.");
        Assert.Equal("Es kostete 50.000 Yen um 2.30 Uhr.", carried.Text);
        Assert.Empty(carried.Restored);
        Assert.Empty(carried.Missing);
    }
}
