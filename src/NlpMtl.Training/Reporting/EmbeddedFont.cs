using ScottPlot;
using SkiaSharp;

namespace NlpMtl.Training.Reporting;

/// <summary>
/// DejaVu Sans from this assembly, for every text in a <see cref="TrainingPlot"/>. SkiaSharp's NoDependencies build
/// finds fonts only by scanning font folders, and a bare Debian 12 has none: every title, label and legend came out
/// blank. Embedding one font also makes the plot look the same on every machine.
/// </summary>
internal sealed class EmbeddedFont : IFontResolver
{
    /// <summary>A name no system font has, so the resolver never shadows one.</summary>
    public const string Name = "NlpMtl DejaVu Sans";

    const string Resource = "NlpMtl.Training.Reporting.DejaVuSans.ttf";

    static readonly Lock Gate = new();
    static readonly Lazy<SKData> Data = new(() =>
    {
        using var stream = typeof(EmbeddedFont).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException(
                $"Embedded resource {Resource} is missing from {typeof(EmbeddedFont).Assembly.GetName().Name}."
            );
        return SKData.Create(stream);
    });
    static bool registered;

    /// <summary>Adds the resolver to ScottPlot's global list once per process.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (registered)
                return;
            Fonts.FontResolvers.Add(new EmbeddedFont());
            registered = true;
        }
    }

    // One regular face serves bold and italic requests too: titles are told apart by size.
    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        fontName == Name ? SKTypeface.FromData(Data.Value) : null;

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
        CreateTypeface(fontName, bold: false, italic: false);
}
