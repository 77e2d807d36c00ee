using System.Text.Json;

namespace DittoFs.EndToEnd;

/// <summary>
/// --log-format json on the real executable: every line of output is one JSON object a log shipper can index; the
/// failures clients cause every day (a missing file) are logged at Debug with the RFC's names, and a refused MOUNT,
/// which an operator is asked about, at Warning with the client and the path.
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

    /// <summary>The JSON log of a server (started with <paramref name="arguments"/> too) that was sent <see cref="CauseExpectedFailures"/> and stopped.</summary>
    private static List<JsonElement> LogOfExpectedFailures(params string[] arguments)
    {
        using var server = DittoFsProcess.Start(["--log-format", "json", .. arguments]);
        CauseExpectedFailures(server.Port);
        Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.EqualTo(0));
        return JsonLines(server.Output);
    }

    [Test]
    public void Json_lines_carry_level_category_message_and_the_message_values()
    {
        var lines = LogOfExpectedFailures();
        var listening = lines.Single(l => l.GetProperty("Message").GetString()!.StartsWith("DittoFs listening on"));
        Assert.That(listening.GetProperty("LogLevel").GetString(), Is.EqualTo("Information"));
        Assert.That(listening.GetProperty("Category").GetString(), Is.EqualTo("DittoFs.Server"));
        Assert.That(listening.GetProperty("State").TryGetProperty("EndPoint", out _), Is.True, "named values are fields of their own");
        Assert.That(lines.Select(l => l.GetProperty("LogLevel").GetString()), Has.None.EqualTo("Error"), "a missing file and an unknown export are answers, not server faults");
        Assert.That(lines.Where(l => l.GetProperty("LogLevel").GetString() == "Warning").Select(l => l.GetProperty("Message").GetString()),
            Has.All.StartWith("MOUNT /not-exported by 127.0.0.1:"), "the refused MOUNT is the one warning");
    }

    [Test]
    public void Json_lines_carry_the_event_as_a_stable_number_and_its_name()
    {
        var lines = LogOfExpectedFailures();
        var mount = lines.Single(l => l.GetProperty("Message").GetString()!.StartsWith("MOUNT /not-exported"));
        Assert.That(mount.GetProperty("EventName").GetString(), Is.EqualTo("MountRefused"), "named as in the text format");
        Assert.That(mount.GetProperty("EventId").ValueKind, Is.EqualTo(JsonValueKind.Number));
        Assert.That(mount.GetProperty("EventId").GetInt32(), Is.EqualTo(429214782), "MountService.LogMountRefused's, pinned: dashboards filter on it");
        Assert.That(GeneratedEventId("LogMountRefused"), Is.EqualTo(429214782), "the rule docs/user-guide.md gives");
        var listening = lines.Single(l => l.GetProperty("Message").GetString()!.StartsWith("DittoFs listening on"));
        Assert.That((listening.GetProperty("EventId").GetInt32(), listening.TryGetProperty("EventName", out _)), Is.EqualTo((0, false)), "a message that is no event of its own");
    }

    /// <summary>
    /// The id the logging source generator gives a method without an explicit EventId: the FNV-1a hash of the method's
    /// name, made non-negative. It depends on the name alone, so it is the same in every build.
    /// </summary>
    private static int GeneratedEventId(string methodName)
    {
        uint hash = 2166136261;
        foreach (char c in methodName)
            hash = (c ^ hash) * 16777619;
        return Math.Abs((int)hash);
    }

    [Test]
    public void Expected_failures_are_logged_at_debug_with_the_procedure_name_and_status_and_refused_mounts_at_warning()
    {
        var lines = LogOfExpectedFailures("--log-level", "DEBUG");
        var lookup = lines.FirstOrDefault(l => l.GetProperty("Message").GetString()!.StartsWith("NFS LOOKUP of 'missing' in ") && l.GetProperty("Message").GetString()!.EndsWith(": NFS3ERR_NOENT"));
        Assert.That(lookup.ValueKind, Is.EqualTo(JsonValueKind.Object), "the NOENT of LOOKUP is logged with the name looked up and the RFC's names");
        Assert.That(lookup.GetProperty("LogLevel").GetString(), Is.EqualTo("Debug"));
        var mount = lines.FirstOrDefault(l => l.GetProperty("Message").GetString()!.StartsWith("MOUNT /not-exported"));
        Assert.That(mount.ValueKind, Is.EqualTo(JsonValueKind.Object), "the refused MNT is logged");
        Assert.That(mount.GetProperty("LogLevel").GetString(), Is.EqualTo("Warning"));
        Assert.That(mount.GetProperty("State").GetProperty("Client").GetString(), Does.StartWith("127.0.0.1:"), "with the client");
        Assert.That(mount.GetProperty("State").GetProperty("Status").GetString(), Is.EqualTo("MNT3ERR_NOENT"));
    }
}

/// <summary>The text format (the default): one line per message, the event named rather than numbered.</summary>
[TestFixture]
public sealed class TextLogTests
{
    [Test]
    public void A_refused_mount_is_one_warning_line_naming_the_event_the_path_the_client_and_the_status()
    {
        using var server = DittoFsProcess.Start();
        try
        {
            Assert.That(() => LibNfsMount.Connect(server.Port, "/not-exported").Dispose(), Throws.InstanceOf<IOException>());
            string line = "";
            for (int i = 0; i < 100 && line.Length == 0; i++, Thread.Sleep(100))
                line = server.Output.Split('\n').FirstOrDefault(l => l.Contains("MOUNT /not-exported")) ?? "";
            Assert.That(line, Does.Match(@"^\d{4}-\d\d-\d\dT[\d:.]+Z warn: DittoFs\.Nfs\.MountService\[MountRefused\] MOUNT /not-exported by 127\.0\.0\.1:\d+ refused: MNT3ERR_NOENT$"));
        }
        catch
        {
            TestContext.Out.WriteLine("dittofs output:\n" + server.Output);
            throw;
        }
    }
}
