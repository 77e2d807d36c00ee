using System.Text.Json;

namespace DittoFs.EndToEnd;

/// <summary>
/// --log-format json on the real executable: every line of output is one JSON object a log shipper can index, and
/// the failures clients cause every day (a missing file, an unknown export) are logged at Debug, never as
/// warnings or errors.
/// </summary>
[TestFixture]
public sealed class LogFormatTests
{
    private static List<JsonElement> JsonLines(string output) => output
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line => JsonDocument.Parse(line).RootElement.Clone())
        .ToList();

    private static void CauseExpectedFailures(int port)
    {
        using var nfs = LibNfsMount.Connect(port);
        Assert.That(nfs.Stat("/missing", out _), Is.EqualTo(-LibNfsMount.ENOENT));
        Assert.That(() => LibNfsMount.Connect(port, "/not-exported").Dispose(), Throws.InstanceOf<IOException>());
    }

    [Test]
    public void Json_lines_carry_level_category_message_and_the_message_values()
    {
        string output;
        using (var server = DittoFsProcess.Start("--log-format", "json"))
        {
            CauseExpectedFailures(server.Port);
            Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.EqualTo(0));
            output = server.Output;
        }

        var lines = JsonLines(output);
        var listening = lines.Single(l => l.GetProperty("Message").GetString()!.StartsWith("DittoFs listening on"));
        Assert.That(listening.GetProperty("LogLevel").GetString(), Is.EqualTo("Information"));
        Assert.That(listening.GetProperty("Category").GetString(), Is.EqualTo("DittoFs.Server"));
        Assert.That(listening.GetProperty("State").TryGetProperty("EndPoint", out _), Is.True, "named values are fields of their own");
        Assert.That(lines.Select(l => l.GetProperty("LogLevel").GetString()), Has.None.EqualTo("Warning").And.None.EqualTo("Error"),
            "a missing file and an unknown export are answers, not server problems");
    }

    [Test]
    public void Expected_failures_are_logged_at_debug_with_the_procedure_and_status()
    {
        string output;
        using (var server = DittoFsProcess.Start("--log-format", "json", "--log-level", "DEBUG"))
        {
            CauseExpectedFailures(server.Port);
            Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.EqualTo(0));
            output = server.Output;
        }

        var lines = JsonLines(output);
        var lookup = lines.FirstOrDefault(l => l.GetProperty("Message").GetString()!.StartsWith("NFS Lookup") && l.GetProperty("Message").GetString()!.Contains("Nfs3errNoent"));
        Assert.That(lookup.ValueKind, Is.EqualTo(JsonValueKind.Object), "the NOENT of LOOKUP is logged");
        Assert.That(lookup.GetProperty("LogLevel").GetString(), Is.EqualTo("Debug"));
        var mount = lines.FirstOrDefault(l => l.GetProperty("Message").GetString()!.StartsWith("MOUNT /not-exported"));
        Assert.That(mount.ValueKind, Is.EqualTo(JsonValueKind.Object), "the refused MNT is logged");
        Assert.That(mount.GetProperty("LogLevel").GetString(), Is.EqualTo("Debug"));
        Assert.That(mount.GetProperty("State").GetProperty("Client").GetString(), Does.StartWith("127.0.0.1:"), "with the client");
    }
}
