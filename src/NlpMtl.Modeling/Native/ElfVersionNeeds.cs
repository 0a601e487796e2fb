using System.Buffers.Binary;
using System.Text;

namespace NlpMtl.Modeling.Native;

/// <summary>One version-need entry (Elf64_Vernaux) of a shared object: "I need version X of library Y".</summary>
/// <param name="Library">The needed library's file name (vn_file), e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name (vna_name), e.g. <c>GLIBCXX_3.4.32</c>.</param> <param name="Index">The
/// version index (vna_other) that <c>.gnu.version</c> uses to tie symbols to this entry.</param>
/// <param name="FlagsOffset">File offset of vna_flags, the field that holds VER_FLG_WEAK.</param>
/// <param name="IsWeak">Whether VER_FLG_WEAK is already set.</param> <param name="Symbols">The undefined dynamic
/// symbols bound to this version.</param>
public sealed record ElfVersionNeed(
    string Library,
    string Version,
    ushort Index,
    long FlagsOffset,
    bool IsWeak,
    IReadOnlyList<string> Symbols
);

/// <summary>
/// Reads the GNU symbol-versioning sections of a 64-bit little-endian ELF shared object (<c>.gnu.version_r</c>,
/// <c>.gnu.version</c>, <c>.dynsym</c>) — just enough to see which library versions it needs and for which symbols,
/// and to mark a need weak. Layouts follow the System V gABI and the LSB "Symbol Versioning" chapter.
/// </summary>
public static class ElfVersionNeeds
{
    const uint ShtDynsym = 11,
        ShtGnuVerdef = 0x6ffffffd,
        ShtGnuVerneed = 0x6ffffffe,
        ShtGnuVersym = 0x6fffffff;
    const ushort VerFlgWeak = 0x2;

    public static IReadOnlyList<ElfVersionNeed> Read(string path)
    {
        var elf = File.ReadAllBytes(path);
        return Read(elf, path);
    }

    /// <summary>The version names a shared object defines (<c>.gnu.version_d</c>), e.g. GLIBCXX_3.4.30 for
    /// libstdc++.</summary>
    public static IReadOnlySet<string> ReadDefinitions(string path)
    {
        var elf = File.ReadAllBytes(path);
        var sections = ReadSections(elf, path);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var verdef = sections.SingleOrDefault(s => s.Type == ShtGnuVerdef);
        if (verdef is null)
            return names;
        var strings = sections[(int)verdef.Link];
        long offset = verdef.Offset;
        for (var i = 0; i < verdef.Info; i++)
        {
            // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32;
            // the first Elf64_Verdaux (vda_name u32, vda_next u32) names the version.
            names.Add(CString(elf, strings.Offset + U32(elf, offset + U32(elf, offset + 12))));
            offset += U32(elf, offset + 16);
        }
        return names;
    }

    /// <summary>Sets VER_FLG_WEAK on the given need in the file, in place.</summary>
    public static void MarkWeak(string path, ElfVersionNeed need)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        Span<byte> flags = stackalloc byte[2];
        file.Position = need.FlagsOffset;
        file.ReadExactly(flags);
        BinaryPrimitives.WriteUInt16LittleEndian(
            flags,
            (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(flags) | VerFlgWeak)
        );
        file.Position = need.FlagsOffset;
        file.Write(flags);
    }

    static IReadOnlyList<ElfVersionNeed> Read(byte[] elf, string path)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F')
            throw new InvalidDataException($"{path}: not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported");

        var sections = ReadSections(elf, path);
        var verneed = sections.SingleOrDefault(s => s.Type == ShtGnuVerneed);
        if (verneed is null)
            return [];
        var dynsym = sections.Single(s => s.Type == ShtDynsym);
        var versym = sections.Single(s => s.Type == ShtGnuVersym);
        var verneedStrings = sections[(int)verneed.Link];
        var dynsymStrings = sections[(int)dynsym.Link];

        var symbolsByIndex = SymbolsByVersionIndex(elf, dynsym, versym, dynsymStrings);
        var needs = new List<ElfVersionNeed>();
        long needOffset = verneed.Offset;
        for (var i = 0; i < verneed.Info; i++)
        {
            // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
            var count = U16(elf, needOffset + 2);
            var library = CString(elf, verneedStrings.Offset + U32(elf, needOffset + 4));
            long auxOffset = needOffset + U32(elf, needOffset + 8);
            for (var j = 0; j < count; j++)
            {
                // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                var flags = U16(elf, auxOffset + 4);
                var index = U16(elf, auxOffset + 6);
                var version = CString(elf, verneedStrings.Offset + U32(elf, auxOffset + 8));
                needs.Add(
                    new ElfVersionNeed(
                        library,
                        version,
                        index,
                        auxOffset + 4,
                        (flags & VerFlgWeak) != 0,
                        symbolsByIndex.TryGetValue(index, out var symbols) ? symbols : []
                    )
                );
                auxOffset += U32(elf, auxOffset + 12);
            }
            needOffset += U32(elf, needOffset + 12);
        }
        return needs;
    }

    static Dictionary<ushort, List<string>> SymbolsByVersionIndex(
        byte[] elf,
        Section dynsym,
        Section versym,
        Section strings
    )
    {
        var result = new Dictionary<ushort, List<string>>();
        var count = dynsym.Size / 24; // sizeof(Elf64_Sym)
        for (long i = 0; i < count; i++)
        {
            long sym = dynsym.Offset + i * 24;
            var sectionIndex = U16(elf, sym + 6);
            if (sectionIndex != 0)
                continue; // defined here, not needed from elsewhere
            var index = (ushort)(U16(elf, versym.Offset + i * 2) & 0x7fff); // top bit = hidden
            if (index < 2)
                continue; // 0 local, 1 global: no version
            var name = CString(elf, strings.Offset + U32(elf, sym));
            if (!result.TryGetValue(index, out var list))
                result[index] = list = [];
            list.Add(name);
        }
        return result;
    }

    sealed record Section(uint Type, long Offset, long Size, uint Link, uint Info);

    static List<Section> ReadSections(byte[] elf, string path)
    {
        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A),
            shnum = U16(elf, 0x3C);
        if (shoff <= 0 || shentsize != 64 || shoff + (long)shnum * 64 > elf.Length)
            throw new InvalidDataException($"{path}: section header table is missing or truncated");
        var sections = new List<Section>(shnum);
        for (var i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * 64;
            sections.Add(
                new Section(
                    U32(elf, h + 4),
                    (long)U64(elf, h + 24),
                    (long)U64(elf, h + 32),
                    U32(elf, h + 40),
                    U32(elf, h + 44)
                )
            );
        }
        return sections;
    }

    static ushort U16(byte[] b, long o) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(checked((int)o)));

    static uint U32(byte[] b, long o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(checked((int)o)));

    static ulong U64(byte[] b, long o) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(checked((int)o)));

    static string CString(byte[] b, long o)
    {
        var span = b.AsSpan(checked((int)o));
        return Encoding.ASCII.GetString(span[..span.IndexOf((byte)0)]);
    }
}
