using DittoFs.Tools.Nfs.Formatting;
using DittoFs.Tools.Nfs.Transfer;

namespace DittoFs.Tools.Tests;

public sealed class ProgressTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void A_line_shows_the_bar_percentage_bytes_and_throughput()
    {
        string line = ProgressFormat.Line(50 * MiB, 200 * MiB, TimeSpan.FromSeconds(0.5));
        Assert.That(line, Is.EqualTo("[######..................]  25%  50.0 MiB / 200.0 MiB  100.0 MiB/s"));
    }

    [Test]
    public void A_finished_transfer_shows_a_full_bar_and_100_percent()
    {
        string line = ProgressFormat.Line(200 * MiB, 200 * MiB, TimeSpan.FromSeconds(2));
        Assert.That(line, Is.EqualTo("[########################] 100%  200.0 MiB / 200.0 MiB  100.0 MiB/s"));
    }

    [Test]
    public void Percentages_round_down_so_100_means_done()
    {
        Assert.That(ProgressFormat.Line(200 * MiB - 1, 200 * MiB, TimeSpan.FromSeconds(1)), Does.Contain(" 99%"));
    }

    [Test]
    public void An_empty_file_is_complete_at_once()
    {
        Assert.That(ProgressFormat.Line(0, 0, TimeSpan.Zero), Does.StartWith("[########################] 100%  0 B / 0 B"));
    }

    [Test]
    public void Without_a_total_only_bytes_and_throughput_are_shown()
    {
        Assert.That(ProgressFormat.Line(3 * MiB, null, TimeSpan.FromSeconds(3)), Is.EqualTo("3.0 MiB  1.0 MiB/s"));
    }

    [Test]
    public void Throughput_before_any_time_has_passed_is_zero()
    {
        Assert.That(ProgressFormat.Throughput(MiB, TimeSpan.Zero), Is.EqualTo("0.0 MiB/s"));
    }

    [TestCase(0, "0 B")]
    [TestCase(1023, "1023 B")]
    [TestCase(1024, "1.0 KiB")]
    [TestCase(1536, "1.5 KiB")]
    [TestCase(209715200, "200.0 MiB")]
    [TestCase(5497558138880, "5.0 TiB")]
    public void Sizes_use_binary_units(long bytes, string text)
    {
        Assert.That(Sizes.Human(bytes), Is.EqualTo(text));
    }

    [Test]
    public void Redrawing_is_limited_to_ten_times_a_second()
    {
        var output = new StringWriter();
        var progress = new TransferProgress(output, 1000);
        for (int i = 0; i < 1000; i++)
            progress.Add(1);
        // A thousand updates in well under 100 ms draw once (the first); Complete draws the final figures.
        Assert.That(output.ToString().Count(c => c == '\r'), Is.EqualTo(1));
        progress.Complete();
        Assert.That(output.ToString(), Does.Contain("100%").And.EndWith(Environment.NewLine));
    }

    [Test]
    public void A_transfer_that_fails_ends_the_bar_line_so_the_error_starts_on_a_new_line()
    {
        var output = new StringWriter();
        using (var progress = new TransferProgress(output, 1000))
            progress.Add(10);
        output.Write("ditto-nfs: put: NFS3ERR_IO");

        Assert.That(output.ToString(), Does.Contain(Environment.NewLine + "ditto-nfs: put:"));
    }

    [Test]
    public void A_completed_transfer_ends_its_line_once()
    {
        var output = new StringWriter();
        using (var progress = new TransferProgress(output, 10))
        {
            progress.Add(10);
            progress.Complete();
        }

        Assert.That(output.ToString(), Does.EndWith(Environment.NewLine));
        Assert.That(output.ToString().Split(Environment.NewLine), Has.Length.EqualTo(2), "one newline: disposing after Complete adds none");
    }

    [Test]
    public void A_disabled_progress_counts_but_draws_nothing()
    {
        var progress = new TransferProgress(null, 10);
        progress.Add(10);
        progress.Complete();
        Assert.That(progress.Done, Is.EqualTo(10));
    }

    [Test]
    public void Rewinding_after_a_verifier_change_takes_the_resent_bytes_off_the_count()
    {
        var progress = new TransferProgress(null, 100);
        progress.Add(80);
        progress.Rewind(30);
        Assert.That(progress.Done, Is.EqualTo(50));
    }
}
