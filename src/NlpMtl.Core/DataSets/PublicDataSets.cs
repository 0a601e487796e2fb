using NlpMtl.Core.Downloads;

namespace NlpMtl.Core.DataSets;

/// <summary>
/// The public data sets the recipe uses, from their canonical sources (docs/data.md). Sources on GitHub are pinned to a
/// commit, so their checksums hold for good; the two archives from their publishers carry the checksums the community
/// has verified them by (torchtext, TFDS and others): SHA-256 for aclImdb, MD5 for GLUE's SST-2.zip, the only one
/// published for it. Outputs carry a SHA-256 where this conversion is known to reproduce the recipe's files exactly.
/// </summary>
public static class PublicDataSets
{
    const string SciTldr =
        "https://raw.githubusercontent.com/allenai/scitldr/5ccad9c00a60ad75c9e04abf7f27d0f53f983b20/"
        + "SciTLDR-Data/SciTLDR-A/";
    const string SciTldrLicence =
        "https://raw.githubusercontent.com/allenai/scitldr/5ccad9c00a60ad75c9e04abf7f27d0f53f983b20/LICENSE";
    const string Multi30k =
        "https://raw.githubusercontent.com/multi30k/dataset/a3d2e0d26b56f3846f66a952536ffed4e401d05a/data/task1/raw/";
    const string OpusTestsets =
        "https://raw.githubusercontent.com/Helsinki-NLP/OPUS-MT-testsets/ac0f19c0be3cb4e0d9450fcb2d7a9847c4bdd180/"
        + "testsets/en-de/";
    const string TatoebaZip =
        "https://raw.githubusercontent.com/rioyshky/translation/de48b7027f7318d77010a6e08ed928c10748c23d/deu-eng.zip";
    const string GlueSst2 = "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip";
    const string AclImdb = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";

    static DataSource Source(string file, string url, string sha256, long size) =>
        new(file, new Uri(url), Checksum.Sha256(sha256), size);

    public static readonly PublicDataSet Sst2 = new(
        "sst2",
        "SST-2 (GLUE): train.tsv / validation.tsv (a seeded 90/10 split of GLUE train), glue_dev.tsv (GLUE dev, "
            + "872 sentences)",
        "GLUE terms; cite Socher et al. 2013",
        [new DataSource("SST-2.zip", new Uri(GlueSst2), Checksum.Md5("9f81648d4199384278b86e315dac217c"))],
        [new("train.tsv"), new("validation.tsv"), new("glue_dev.tsv")],
        DataSetConversions.Sst2
    );

    public static readonly PublicDataSet Imdb = new(
        "imdb",
        "IMDB movie reviews (Maas et al. 2011): train.tsv, the 25,000 train reviews, sentence<TAB>label with 1 = "
            + "positive",
        "research use; cite Maas et al. 2011",
        [
            Source(
                "aclImdb_v1.tar.gz",
                AclImdb,
                "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
                84125825
            ),
        ],
        [new("train.tsv")],
        DataSetConversions.Imdb
    );

    public static readonly PublicDataSet SciTldrA = new(
        "scitldr",
        "SciTLDR-A (allenai): abstracts → one-sentence TLDRs, train.jsonl (1,992) / validation.jsonl (619, the "
            + "dev split)",
        "Apache-2.0 (LICENSE)",
        [
            Source(
                "train.jsonl",
                SciTldr + "train.jsonl",
                "b222771d387be585cfdf5ae957b36757138415a352e0a3e3b23f73f87c3b1119",
                3155015
            ),
            Source(
                "dev.jsonl",
                SciTldr + "dev.jsonl",
                "3191fa98ccc09521332b7a1cd63b1930be4e8df125a235ccd31e40329709525e",
                1124865
            ),
            Source(
                "LICENSE",
                SciTldrLicence,
                "c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4",
                11357
            ),
        ],
        [new("train.jsonl"), new("validation.jsonl"), new("LICENSE")],
        DataSetConversions.Copy(
            ("train.jsonl", "train.jsonl"),
            ("dev.jsonl", "validation.jsonl"),
            ("LICENSE", "LICENSE")
        )
    );

    public static readonly PublicDataSet Multi30kEnDe = new(
        "multi30k",
        "Multi30k task 1 en→de image captions: train.en/.de (29,000), val.en/.de (1,014)",
        "research use",
        [
            Source(
                "train.en.gz",
                Multi30k + "train.en.gz",
                "d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f",
                568929
            ),
            Source(
                "train.de.gz",
                Multi30k + "train.de.gz",
                "726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6",
                637044
            ),
            Source(
                "val.en.gz",
                Multi30k + "val.en.gz",
                "14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28",
                21650
            ),
            Source(
                "val.de.gz",
                Multi30k + "val.de.gz",
                "f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a",
                24681
            ),
        ],
        [
            new("train.en", "460a15fbd157e34a7a9957ee388c1ca247fe47af3ef25fb50442af6c274e0fc6"),
            new("train.de", "2c2b73fd2b548fbcde3a875e0a78d6ee94d498bfdee6bd3eae3945779e9ddf72"),
            new("val.en", "1f2a23d992769b5b3d209b0a10dd0b77c08cceb1f20dfb97ed0aafa49d107227"),
            new("val.de", "660e09eb7e1da2f856ea13ee5ad3cf6d36b3d5b0b733c857e94c5747a3dfc660"),
        ],
        DataSetConversions.Gunzip(
            ("train.en.gz", "train.en"),
            ("train.de.gz", "train.de"),
            ("val.en.gz", "val.en"),
            ("val.de.gz", "val.de")
        )
    );

    public static readonly PublicDataSet Tatoeba = new(
        "tatoeba",
        "Tatoeba English→German sentence pairs (ManyThings deu-eng, release of 2018-05-13): train.en/.de "
            + "(169,813), short to long",
        "CC-BY 2.0 (manythings.org/anki, tatoeba.org)",
        [
            Source(
                "deu-eng.zip",
                TatoebaZip,
                "b7688f84f99fa33c17397c14d8bd9cef1fdeb2ee0bf50074767023aee8926e28",
                4012023
            ),
        ],
        [
            new("train.en", "7948e7d621a2e97c550123dbd174784894e83e6e140cf72e400d4ce5170cdce1"),
            new("train.de", "78b90b42ef51b2809d5629f803bba882e01c0fe6435ee9c2928deb5cc7ea2ad6"),
        ],
        DataSetConversions.Tatoeba
    );

    public static readonly PublicDataSet Newstest = new(
        "newstest",
        "WMT news test sets en→de 2012 (3,003) and 2013 (3,000), for development",
        "research use (statmt.org)",
        [
            Source(
                "newstest2012.en",
                OpusTestsets + "newstest2012.en",
                "f9e51f85c4948033fc7d77ef427f4d88908a8dd3f778970f62d0baafac3ff97e",
                381734
            ),
            Source(
                "newstest2012.de",
                OpusTestsets + "newstest2012.de",
                "946b9587b79271b0f3ce9cc8c0e5b310e3021ef598e1ba5dc2a24fef8960de30",
                446765
            ),
            Source(
                "newstest2013.en",
                OpusTestsets + "newstest2013.en",
                "ace268a1d9724ca76f6d8e5c720ffdc08f01bdce45630ed8b269dc7918e1c16e",
                332974
            ),
            Source(
                "newstest2013.de",
                OpusTestsets + "newstest2013.de",
                "d7ea35ab91ff3709e03ad9cb6bf5b4f2cc775cd2d72efd5254c4aec5e69663ca",
                385433
            ),
        ],
        [new("newstest2012.en"), new("newstest2012.de"), new("newstest2013.en"), new("newstest2013.de")],
        DataSetConversions.Copy(
            ("newstest2012.en", "newstest2012.en"),
            ("newstest2012.de", "newstest2012.de"),
            ("newstest2013.en", "newstest2013.en"),
            ("newstest2013.de", "newstest2013.de")
        )
    );

    public static readonly IReadOnlyList<PublicDataSet> All = [Sst2, Imdb, SciTldrA, Multi30kEnDe, Tatoeba, Newstest];

    public static PublicDataSet Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException(
            $"unknown data set '{name}' (known: {string.Join(", ", All.Select(s => s.Name))}, or all)"
        );
}
