using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests;

public sealed class S3ContentStoreOptionsTests
{
    private static S3ContentStoreOptions Valid() => new() { Endpoint = "s3.example.net:9000", Bucket = "data", AccessKey = "a", SecretKey = "s" };

    [Test]
    public void Valid_options_pass()
    {
        Assert.DoesNotThrow(() => Valid().Validate());
    }

    [TestCase("")]
    [TestCase("https://s3.example.net")]
    public void An_endpoint_must_be_host_and_port(string endpoint)
    {
        var options = Valid();
        options.Endpoint = endpoint;

        Assert.That(() => options.Validate(), Throws.ArgumentException.With.Message.Contains("endpoint"));
    }

    [TestCase(1024)]
    [TestCase(128 * 1024 * 1024)]
    public void A_block_size_out_of_range_is_refused(int blockSize)
    {
        var options = Valid();
        options.BlockSize = blockSize;

        Assert.That(() => options.Validate(), Throws.ArgumentException.With.Message.Contains("block size"));
    }

    [Test]
    public void The_dirty_budget_must_hold_a_block()
    {
        var options = Valid();
        options.MaxDirtyBytes = options.BlockSize - 1;

        Assert.That(() => options.Validate(), Throws.ArgumentException.With.Message.Contains("max dirty bytes"));
    }

    [Test]
    public void Missing_keys_come_from_the_aws_environment_variables()
    {
        var options = Valid();
        options.AccessKey = null;
        options.SecretKey = null;
        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "env-a", ["AWS_SECRET_ACCESS_KEY"] = "env-s" };

        var credentials = options.ResolveCredentials(name => environment.GetValueOrDefault(name));

        Assert.That((credentials.AccessKey, credentials.SecretKey), Is.EqualTo(("env-a", "env-s")));
    }

    [Test]
    public void Configured_keys_win_over_the_environment()
    {
        var credentials = Valid().ResolveCredentials(_ => "env");

        Assert.That((credentials.AccessKey, credentials.SecretKey), Is.EqualTo(("a", "s")));
    }

    [Test]
    public void No_keys_anywhere_is_refused()
    {
        var options = Valid();
        options.SecretKey = null;

        Assert.That(() => options.ResolveCredentials(_ => null), Throws.ArgumentException.With.Message.Contains("AWS_SECRET_ACCESS_KEY"));
    }
}
