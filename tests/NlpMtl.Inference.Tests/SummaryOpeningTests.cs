using NlpMtl.Inference.Documents;

namespace NlpMtl.Inference.Tests;

public class SummaryOpeningTests
{
    [Theory]
    [InlineData("Furthermore, we propose adaptive loss scaling.", "We propose adaptive loss scaling.")]
    [InlineData("However, to this end, we show that it works.", "We show that it works.")]
    // Only the linking connective goes: the framing that follows it is the sentence's own.
    [InlineData("However, in this work, we show that it works.", "In this work, we show that it works.")]
    [InlineData("More specifically, the loss falls.", "The loss falls.")]
    [InlineData("IN PARTICULAR , we  propose a loss.", "We  propose a loss.")]
    [InlineData("To this end,\twe train twice.", "We train twice.")]
    // The next word keeps its case where capitalising would change it: not a plain lower-case word.
    [InlineData("Furthermore, word2vec vectors help.", "word2vec vectors help.")]
    [InlineData("Finally, iPhone users agree.", "iPhone users agree.")]
    [InlineData("Moreover, BERT helps.", "BERT helps.")]
    [InlineData("Thus, k-means clusters them.", "K-means clusters them.")]
    [InlineData("Hence, we’re done.", "We’re done.")]
    // A phrase that starts another one: the whole longer phrase goes.
    [InlineData("Firstly, we train.", "We train.")]
    [InlineData("To address this issue, we train.", "We train.")]
    public void AnOpeningConnectiveGoesAndTheRestStaysAsWritten(string sentence, string expected) =>
        Assert.Equal(expected, SummaryOpening.Trim(sentence));

    [Theory]
    // Openings that frame the sentence as the document's, or narrow its claim, stay.
    [InlineData("In this paper, we propose adaptive loss scaling.")]
    [InlineData("Here, we show that it works.")]
    [InlineData("Empirically, our method beats the baseline.")]
    [InlineData("For example, the loss falls on images.")]
    [InlineData("In our experiments, the loss falls.")]
    // A listed word that is not a comma-closed opening stays.
    [InlineData("However the loss falls.")]
    [InlineData("Thus far, nothing works.")]
    [InlineData("Here we show that it works.")]
    [InlineData("Finally-tuned models, as we call them, help.")]
    [InlineData("We show, however, that it works.")]
    // Nothing but the connective: the sentence is kept rather than emptied.
    [InlineData("However, 42.")]
    [InlineData("However,")]
    [InlineData("")]
    // Another language keeps its opening.
    [InlineData("Jedoch, wir zeigen es.")]
    public void ASentenceWithoutAListedOpeningStaysAsItIs(string sentence) =>
        Assert.Equal(sentence, SummaryOpening.Trim(sentence));

    [Fact]
    public void AsSummaryMakesOneLineAndTrimsOnlyWhenAsked()
    {
        const string sentence = "To this\nend,  we show\n\n that it works.";
        Assert.Equal("We show that it works.", ExtractiveSummary.AsSummary(sentence, trimOpening: true));
        Assert.Equal("To this end, we show that it works.", ExtractiveSummary.AsSummary(sentence, trimOpening: false));
    }
}
