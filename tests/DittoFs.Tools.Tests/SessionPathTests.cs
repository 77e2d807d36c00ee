using DittoFs.Tools.Nfs.Bench;
using DittoFs.Tools.Nfs.Session;

namespace DittoFs.Tools.Tests;

public sealed class SessionPathTests
{
    [Test]
    public void Mount_is_tried_on_prefixes_from_the_longest_down()
    {
        Assert.That(NfsSession.PrefixesLongestFirst("/a/b/c"), Is.EqualTo(new[] { "/a/b/c", "/a/b", "/a", "/" }));
        Assert.That(NfsSession.PrefixesLongestFirst("/"), Is.EqualTo(new[] { "/" }));
    }

    [TestCase("/export", "/export", true)]
    [TestCase("/export/a/b", "/export", true)]
    [TestCase("/export2/a", "/export", false)]
    [TestCase("/exp", "/export", false)]
    [TestCase("/anything", "/", true)]
    [TestCase("/export/a", "/export/", true)]
    public void An_export_contains_paths_by_whole_components(string path, string export, bool within)
    {
        Assert.That(NfsSession.IsWithin(path, export), Is.EqualTo(within));
    }

    [Test]
    public void Bench_data_matches_nfsbench_pattern()
    {
        // nfsbench.c: p[i] = (unsigned char)((off + i) * 2654435761u >> 24), offsets taken modulo 16 MiB.
        var data = DataPattern.At(16L * 1024 * 1024 + 1000, 4).ToArray();
        var expected = Enumerable.Range(1000, 4).Select(i => (byte)(((ulong)i * 2654435761UL) >> 24)).ToArray();
        Assert.That(data, Is.EqualTo(expected));
    }
}
