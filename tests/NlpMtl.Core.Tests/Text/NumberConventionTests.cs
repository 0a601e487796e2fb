using System.Globalization;
using NlpMtl.Core.Text;

namespace NlpMtl.Core.Tests.Text;

public class NumberConventionTests
{
    [Theory]
    [InlineData("50,000", "50.000")]
    [InlineData("1,000,000", "1.000.000")]
    [InlineData("3.5", "3,5")]
    [InlineData("1,234.56", "1.234,56")]
    [InlineData("1.000", "1,000")] // English reads a point as decimal
    public void EnglishNumbersTakeGermanSeparators(string english, string german) =>
        Assert.Equal(german, NumberConvention.Between("en", "de")!.Convert(english));

    [Theory]
    [InlineData("2013")] // no separator
    [InlineData("2:30")] // a time
    [InlineData("1,5")] // not English: a group has three digits
    [InlineData("12,34,567")]
    [InlineData("1.2.3")] // a version or a date
    [InlineData("1,000.5.5")]
    public void WhatIsNotAnEnglishNumberStaysAsWritten(string written) =>
        Assert.Equal(written, NumberConvention.Between("en", "de")!.Convert(written));

    [Fact]
    public void GermanNumbersTakeEnglishSeparators()
    {
        var english = NumberConvention.Between("de", "en")!;
        Assert.Equal("1,000.5", english.Convert("1.000,5"));
        Assert.Equal("3.5", english.Convert("3,5"));
    }

    [Fact]
    public void WithoutBothLanguagesThereIsNoConventionAndAnUnknownLanguageFails()
    {
        Assert.Null(NumberConvention.Between("en", null));
        Assert.Null(NumberConvention.Between(null, "de"));
        var error = Assert.Throws<CultureNotFoundException>(() => NumberConvention.Between("en", "xx-nowhere"));
        Assert.Equal("xx-nowhere", error.InvalidCultureName);
    }
}
