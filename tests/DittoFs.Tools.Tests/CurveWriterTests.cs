using DittoFs.Benchmarks.Curves;

namespace DittoFs.Tools.Tests;

public class CurveWriterTests
{
    private static Curve Rates()
    {
        var curve = new Curve("share-rates", "Files on a share", "files on the share", "calls per second", logX: true);
        curve.Add("memory LOOKUP", 10_000, 52_000);
        curve.Add("memory LOOKUP", 1_000_000, 40_000);
        curve.Add("rocksdb LOOKUP", 10_000, 31_000.4);
        return curve;
    }

    [Test]
    public void A_table_has_a_row_per_x_a_column_per_series_and_a_dash_where_a_series_was_not_measured()
    {
        Assert.That(CurveWriter.Table(Rates()), Is.EqualTo("""
            | files on the share | memory LOOKUP | rocksdb LOOKUP |
            |---:|---:|---:|
            | 10k | 52000 | 31000 |
            | 1M | 40000 | - |

            calls per second.

            """.ReplaceLineEndings("\n")));
    }

    [TestCase(1_000_000, "1M")]
    [TestCase(1_500_000, "1.5M")]
    [TestCase(100_000, "100k")]
    [TestCase(64, "64")]
    [TestCase(2.5, "2.50")]
    public void Counts_read_as_people_write_them(double value, string expected) =>
        Assert.That(CurveWriter.Count(value), Is.EqualTo(expected));

    [Test]
    public void The_chart_is_an_svg_naming_every_series_and_curves_md_shows_it_above_its_table()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"curves-{Guid.NewGuid():N}");
        try
        {
            var empty = new Curve("fsck", "never measured", "files", "seconds", logX: true);
            string markdown = File.ReadAllText(CurveWriter.WriteAll(folder, "# Curves", [Rates(), empty], ["met: something (ratio 1.00)"]));
            string svg = File.ReadAllText(Path.Combine(folder, "share-rates.svg"));
            Assert.That(svg, Does.StartWith("<?xml").And.Contain("<svg").And.Contain("memory LOOKUP").And.Contain("rocksdb LOOKUP").And.Contain("1M"));
            Assert.That(markdown, Does.Contain("## Targets\n\n- met: something (ratio 1.00)"));
            Assert.That(markdown.IndexOf("![Files on a share](share-rates.svg)", StringComparison.Ordinal),
                Is.GreaterThan(0).And.LessThan(markdown.IndexOf("| files on the share |", StringComparison.Ordinal)));
            Assert.That(File.Exists(Path.Combine(folder, "fsck.svg")), Is.False, "an empty curve has no chart");
            Assert.That(markdown, Does.Not.Contain("never measured"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Targets_are_met_within_25_percent_and_say_so_with_the_ratio()
    {
        var book = new CurveBook();
        book.ShareRates.Add("memory LOOKUP", 10_000, 40_000);
        book.ShareRates.Add("memory LOOKUP", 1_000_000, 31_000);
        book.ShareRates.Add("rocksdb LOOKUP", 10_000, 40_000);
        book.ShareRates.Add("rocksdb LOOKUP", 1_000_000, 29_000);
        book.HugeDirectory.Add(CurveBook.HugeSeries("memory", "CREATE", huge: true), 100_000, 10_000);
        book.HugeDirectory.Add(CurveBook.HugeSeries("memory", "CREATE", huge: false), 100_000, 20_000);
        book.ClientThroughput.Add("memory GETATTR", 1, 50_000);
        book.ClientThroughput.Add("memory GETATTR", 16, 80_000);
        book.ClientThroughput.Add("memory GETATTR", 64, 70_000);
        var options = CurveOptions.Parse(["--server", "s", "--tool", "t", "--output", "o", "--stores", "memory"]);
        Assert.That(book.Findings(options).ToList(), Is.EqualTo(new[]
        {
            "met: memory LOOKUP: 31000/s at 1M files against 40000/s at 10k (ratio 0.77)",
            "**not met**: rocksdb LOOKUP: 29000/s at 1M files against 40000/s at 10k (ratio 0.72)",
            "**not met**: memory CREATE in a 100k-entry directory: 10000/s against 20000/s in a small one (ratio 0.50)",
            "met: memory GETATTR at 64 connections: 70000/s against the best point's 80000/s (no collapse) (ratio 0.87)",
        }));
    }

    [Test]
    public void S3_throughput_through_NFS_is_judged_against_raw_S3_at_the_same_concurrency_with_the_80_percent_target()
    {
        var book = new CurveBook();
        book.S3Throughput.Add(S3Curves.RawPut, 4, 100);
        book.S3Throughput.Add(S3Curves.RawPut, 16, 200);
        book.S3Throughput.Add(S3Curves.RawGet, 16, 400);
        book.S3Throughput.Add(S3Curves.NfsWrite, 4, 81);
        book.S3Throughput.Add(S3Curves.NfsWrite, 16, 150);
        book.S3Throughput.Add(S3Curves.NfsRead, 16, 320);
        book.S3Requests.Add(("small file", new S3RequestCounts(1, 2, 0, 0)));
        var options = CurveOptions.Parse(["--server", "s", "--tool", "t", "--output", "o", "--stores", "s3"]);
        Assert.That(book.Findings(options).ToList(), Is.EqualTo(new[]
        {
            "met: NFS sequential WRITE + COMMIT with 4 in flight: 81.0 MiB/s against raw S3 PUT's 100 MiB/s (ratio 0.81)",
            "**not met**: NFS sequential WRITE + COMMIT with 16 in flight: 150 MiB/s against raw S3 PUT's 200 MiB/s (ratio 0.75)",
            "met: NFS sequential READ (not cached) with 16 in flight: 320 MiB/s against raw S3 GET's 400 MiB/s (ratio 0.80)",
            "S3 requests per NFS call, small file: GET 1, PUT 2, DELETE 0, LIST 0 (figure, no target)",
        }));
    }

    [TestCase("--files", "10k", "--files: '10k' is not a positive whole number")]
    [TestCase("--stores", "memory,minio", "--stores: 'minio' is not a store kind (valid: memory, rocksdb, s3)")]
    [TestCase("--s3-size", "2", "--s3-size: '2' is not a whole number of at least 4")]
    [TestCase("--sample", "0", "--sample: '0' is not a whole number of at least 1")]
    public void Bad_options_name_the_option_and_what_is_valid(string option, string value, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => CurveOptions.Parse(["--server", "s", "--tool", "t", "--output", "o", option, value]));
        Assert.That(error!.Message, Does.StartWith(message));
    }
}
