using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.EndToEnd;

/// <summary>
/// The ditto-nfs client tool (tools/DittoFs.Tools.Nfs), run as its own process against the real server, and
/// cross-checked with libnfs: what one client writes, the other must see.
/// </summary>
[TestFixture]
public sealed partial class DittoNfsToolTests : ServerFixture
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);
    private const long MiB = 1024 * 1024;
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("ditto-nfs-e2e-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    private string Url(string path) => $"nfs://127.0.0.1/export{path}?version=3&nfsport={Server.Port}&mountport={Server.Port}";

    [Test]
    public void A_200_MiB_file_round_trips_byte_identical_through_put_and_get_with_progress()
    {
        string source = Path.Combine(_scratch, "in.bin"), copy = Path.Combine(_scratch, "out.bin");
        var data = new byte[200 * MiB];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(source, data);
        string remote = UniqueName("big") + ".bin";

        var put = Tool("put", "--progress", source, Url(remote));
        Assert.That(put.ExitCode, Is.EqualTo(0), put.Error);
        var get = Tool("get", "--progress", Url(remote), copy);
        Assert.That(get.ExitCode, Is.EqualTo(0), get.Error);

        Assert.That(SHA256.HashData(File.ReadAllBytes(copy)), Is.EqualTo(SHA256.HashData(data)));
        using (var libnfs = LibNfsMount.Connect(Server.Port))
            Assert.That(libnfs.Stat(remote).Size, Is.EqualTo((ulong)data.Length));
        foreach (var run in new[] { put, get })
        {
            Assert.That(run.Error, Does.Contain("100%").And.Contain("200.0 MiB / 200.0 MiB").And.Match(@"\d+\.\d MiB/s"));
            Assert.That(run.Error, Does.Contain("\r"), "the bar is redrawn in place");
        }
        TestContext.Out.WriteLine($"put: {LastProgressLine(put.Error)} (process {put.Elapsed.TotalSeconds:0.00} s)");
        TestContext.Out.WriteLine($"get: {LastProgressLine(get.Error)} (process {get.Elapsed.TotalSeconds:0.00} s)");
    }

    [Test]
    public void Without_a_terminal_or_progress_option_nothing_is_drawn()
    {
        string source = Path.Combine(_scratch, "small.bin");
        File.WriteAllBytes(source, new byte[3 * MiB]);
        var put = Tool("put", source, Url(UniqueName("quiet")));
        Assert.That((put.ExitCode, put.Error, put.Output), Is.EqualTo((0, "", "")));
    }

    [Test]
    public void Put_into_a_directory_keeps_the_local_name_and_the_permission_bits()
    {
        string dir = UniqueName("into");
        string source = Path.Combine(_scratch, "script.sh");
        File.WriteAllText(source, "#!/bin/sh\necho hi\n");
        if (!OperatingSystem.IsWindows()) // libnfs and these tests run on Linux; the guard is for the platform analyzer
            File.SetUnixFileMode(source, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var libnfs = LibNfsMount.Connect(Server.Port);
        libnfs.Check(libnfs.Mkdir(dir), "mkdir");

        Assert.That(Tool("put", source, Url(dir)).ExitCode, Is.EqualTo(0));

        var stat = libnfs.Stat($"{dir}/script.sh");
        Assert.That(((stat.Mode & 0x1FF), stat.Size), Is.EqualTo((0x1E4ul /* 0744 */, 18ul)));
    }

    [Test]
    public void Ls_l_shows_the_files_libnfs_created()
    {
        string dir = UniqueName("listing");
        using (var libnfs = LibNfsMount.Connect(Server.Port))
        {
            libnfs.Check(libnfs.Mkdir(dir), "mkdir");
            libnfs.WriteFile($"{dir}/a.txt", "hello"u8);
            libnfs.WriteFile($"{dir}/b.bin", new byte[70000], mode: 0x180 /* 0600 */);
            libnfs.Check(libnfs.Mkdir($"{dir}/sub"), "mkdir sub");
            libnfs.Check(libnfs.Symlink("a.txt", $"{dir}/link"), "symlink");
        }

        var run = Tool("ls", "-l", Url(dir));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Select(Columns), Is.EqualTo(new[]
        {
            ("-rw-r--r--", "5", "a.txt"),
            ("-rw-------", "70000", "b.bin"),
            ("lrwxrwxrwx", "5", "link -> a.txt"),
            ("drwxr-xr-x", "4096", "sub"),
        }));
        Assert.That(lines, Has.All.Match(@"^\S{10} +\d+ \d+ +\d+ +\d+ [A-Z][a-z]{2} [ \d]\d ( \d{4}|\d\d:\d\d) "));
    }

    /// <summary>mode, size and everything after the time (name, link target) of an ls -l line.</summary>
    private static (string Mode, string Size, string Name) Columns(string line)
    {
        var match = LongLine().Match(line);
        Assert.That(match.Success, Is.True, line);
        return (match.Groups["mode"].Value, match.Groups["size"].Value, match.Groups["name"].Value);
    }

    [GeneratedRegex(@"^(?<mode>\S{10}) +\d+ \d+ +\d+ +(?<size>\d+) \w{3} [ \d]\d +[\d:]+ (?<name>.+)$")]
    private static partial Regex LongLine();

    [Test]
    public void Ls_lists_a_large_directory_across_readdirplus_pages()
    {
        string dir = UniqueName("many");
        using (var libnfs = LibNfsMount.Connect(Server.Port))
        {
            libnfs.Check(libnfs.Mkdir(dir), "mkdir");
            for (int i = 0; i < 1500; i++)
                libnfs.WriteFile($"{dir}/file-with-a-longer-name-{i:D4}", ReadOnlySpan<byte>.Empty);
        }
        var run = Tool("ls", Url(dir));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(Enumerable.Range(0, 1500).Select(i => $"file-with-a-longer-name-{i:D4}")));
    }

    [Test]
    public void Stat_shows_the_attributes_libnfs_sees()
    {
        string path = UniqueName("stat");
        LibNfs.NfsStat64 expected;
        using (var libnfs = LibNfsMount.Connect(Server.Port))
        {
            libnfs.WriteFile(path, new byte[12345], mode: 0x1A0 /* 0640 */);
            expected = libnfs.Stat(path);
        }
        var run = Tool("stat", Url(path));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.Contain($"File: /export{path}").And.Contain("Size: 12345").And.Contain("regular file")
            .And.Contain("(0640/-rw-r-----)").And.Contain($"Fileid: {expected.Ino}").And.Contain($"Links: {expected.Nlink}"));
    }

    [Test]
    public void Cat_prints_a_file_libnfs_wrote()
    {
        string path = UniqueName("cat");
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"line {i}\n")));
        using (var libnfs = LibNfsMount.Connect(Server.Port))
            libnfs.WriteFile(path, content);
        var run = Tool("cat", Url(path));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Is.EqualTo(Encoding.UTF8.GetString(content)));
    }

    [Test]
    public void Mkdir_and_rmdir_are_seen_by_libnfs()
    {
        string dir = UniqueName("dir");
        using var libnfs = LibNfsMount.Connect(Server.Port);

        Assert.That(Tool("mkdir", Url(dir)).ExitCode, Is.EqualTo(0));
        Assert.That(libnfs.Stat(dir).Mode & 0xF000, Is.EqualTo(0x4000ul), "a directory");

        Assert.That(Tool("rmdir", Url(dir)).ExitCode, Is.EqualTo(0));
        Assert.That(libnfs.Stat(dir, out _), Is.EqualTo(-LibNfsMount.ENOENT));
    }

    [Test]
    public void Mkdir_p_creates_the_missing_parents()
    {
        string top = UniqueName("tree");
        Assert.That(Tool("mkdir", "-p", Url($"{top}/a/b/c")).ExitCode, Is.EqualTo(0));
        Assert.That(Tool("mkdir", "-p", Url($"{top}/a/b/c")).ExitCode, Is.EqualTo(0), "existing directories are fine with -p");
        using var libnfs = LibNfsMount.Connect(Server.Port);
        Assert.That(libnfs.Stat($"{top}/a/b/c").Mode & 0xF000, Is.EqualTo(0x4000ul));
    }

    [Test]
    public void Rm_removes_a_file_and_rm_r_a_tree()
    {
        string file = UniqueName("rm"), tree = UniqueName("rmtree");
        using var libnfs = LibNfsMount.Connect(Server.Port);
        libnfs.WriteFile(file, "x"u8);
        libnfs.Check(libnfs.Mkdir(tree), "mkdir");
        libnfs.Check(libnfs.Mkdir($"{tree}/sub"), "mkdir");
        libnfs.WriteFile($"{tree}/sub/f", "y"u8);

        Assert.That(Tool("rm", Url(file)).ExitCode, Is.EqualTo(0));
        Assert.That(libnfs.Stat(file, out _), Is.EqualTo(-LibNfsMount.ENOENT));

        var refused = Tool("rm", Url(tree));
        Assert.That((refused.ExitCode, refused.Error), Is.EqualTo((1, $"ditto-nfs: rm: /export{tree}: NFS3ERR_ISDIR: is a directory (REMOVE)\n")));
        Assert.That(Tool("rm", "-r", Url(tree)).ExitCode, Is.EqualTo(0));
        Assert.That(libnfs.Stat(tree, out _), Is.EqualTo(-LibNfsMount.ENOENT));
    }

    [Test]
    public void Mv_renames_within_the_export_and_into_a_directory()
    {
        string from = UniqueName("from"), to = UniqueName("to"), dir = UniqueName("into");
        using var libnfs = LibNfsMount.Connect(Server.Port);
        libnfs.WriteFile(from, "moved"u8);
        libnfs.Check(libnfs.Mkdir(dir), "mkdir");

        Assert.That(Tool("mv", Url(from), Url(to)).ExitCode, Is.EqualTo(0));
        Assert.That(libnfs.Stat(from, out _), Is.EqualTo(-LibNfsMount.ENOENT));
        Assert.That(libnfs.ReadFile(to), Is.EqualTo("moved"u8.ToArray()));

        Assert.That(Tool("mv", Url(to), Url(dir)).ExitCode, Is.EqualTo(0));
        Assert.That(libnfs.ReadFile($"{dir}/{to[1..]}"), Is.EqualTo("moved"u8.ToArray()));
    }

    [Test]
    public void Ln_makes_a_hard_link_to_the_same_file()
    {
        string file = UniqueName("orig"), link = UniqueName("hard");
        using var libnfs = LibNfsMount.Connect(Server.Port);
        libnfs.WriteFile(file, "shared"u8);

        var run = Tool("ln", Url(file), Url(link));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var (original, linked) = (libnfs.Stat(file), libnfs.Stat(link));
        Assert.That((linked.Ino, linked.Nlink, original.Nlink), Is.EqualTo((original.Ino, 2ul, 2ul)));
    }

    [Test]
    public void Ln_s_makes_a_symbolic_link_with_the_given_text()
    {
        string link = UniqueName("sym");
        var run = Tool("ln", "-s", "../some/where else", Url(link));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        using var libnfs = LibNfsMount.Connect(Server.Port);
        Assert.That(libnfs.ReadLink(link), Is.EqualTo("../some/where else"));
    }

    [Test]
    public void Df_reports_the_figures_libnfs_reads_with_statvfs()
    {
        var run = Tool("df", Url(""));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "Filesystem", "Size", "Used", "Avail", "Use%", "Files", "FUsed", "FFree" }));
        var row = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(row[0], Does.StartWith("nfs://127.0.0.1/export?"));
        using var libnfs = LibNfsMount.Connect(Server.Port);
        var vfs = libnfs.StatVfs("/");
        Assert.That(ulong.Parse(row[5], CultureInfo.InvariantCulture), Is.EqualTo(vfs.Files), "total files (FSSTAT tfiles)");
        Assert.That(ulong.Parse(row[1], CultureInfo.InvariantCulture), Is.EqualTo(vfs.Blocks * vfs.Frsize), "total bytes (FSSTAT tbytes)");
    }

    [Test]
    public void Exports_lists_the_share()
    {
        var run = Tool("exports", $"nfs://127.0.0.1:{Server.Port}/");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Is.EqualTo("/export *\n"));
    }

    [Test]
    public void A_missing_path_exits_1_naming_nfs3err_noent_and_the_path()
    {
        string path = UniqueName("missing") + "/deeper";
        foreach (string command in new[] { "stat", "cat", "ls" })
        {
            var run = Tool(command, Url(path));
            Assert.That(run.ExitCode, Is.EqualTo(1), command);
            Assert.That(run.Error, Does.Contain("NFS3ERR_NOENT").And.Contain($"/export{path[..path.LastIndexOf('/')]}"), command);
        }
    }

    [Test]
    public void Usage_errors_exit_2_before_contacting_the_server()
    {
        Assert.That(Tool("ls").ExitCode, Is.EqualTo(2));
        Assert.That(Tool("ls", "nfs://127.0.0.1/export?version=4").ExitCode, Is.EqualTo(2));
        Assert.That(Tool("ls", Url41("/")).ExitCode, Is.EqualTo(2), "only bench speaks NFSv4.1");
        Assert.That(Tool("mv", Url("/a"), $"nfs://127.0.0.1/export/b?nfsport={Server.Port + 1}&mountport={Server.Port}").ExitCode, Is.EqualTo(2));
    }

    /// <summary>NFSv4.1 paths are the server's v4 namespace, where the share is /export as well.</summary>
    private string Url41(string path) => $"nfs://127.0.0.1/export{path}?version=4.1&nfsport={Server.Port}";

    [TestCase("3", 1)]
    [TestCase("4.1", 1)]
    [TestCase("4.1", 3)] // a session on each connection, the data file's open stateid used on all of them
    public void Bench_runs_every_workload_and_prints_rates(string version, int connections)
    {
        string dir = UniqueName("bench");
        using (var libnfs = LibNfsMount.Connect(Server.Port))
            libnfs.Check(libnfs.Mkdir(dir), "mkdir");

        var run = Tool("bench", "-t", "1", "-d", "8", "-s", "32", "-n", "200", "--connections", connections.ToString(CultureInfo.InvariantCulture),
            version == "3" ? Url(dir) : Url41(dir));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Select(l => l.Split(' ')[0]), Is.EqualTo(new[] { "workload=seq_write", "workload=seq_read", "workload=rand_read_4k", "workload=getattr", "workload=small_files" }));
        foreach (string line in lines[..4])
        {
            Assert.That(Figure(line, "ops_per_s"), Is.GreaterThan(0), line);
            Assert.That(Figure(line, "errors"), Is.EqualTo(0), line);
        }
        foreach (string line in lines[..3])
            Assert.That(Figure(line, "mib_per_s"), Is.GreaterThan(0), line);
        Assert.That(Figure(lines[2], "seconds"), Is.GreaterThanOrEqualTo(1.0), "timed workloads run for -t seconds");
        Assert.That(lines[1..3], Has.All.Contain(" verified=1"), "reads are checked byte for byte");
        foreach (string rate in new[] { "create_write_4k_per_s", "stat_per_s", "readdir_entries_per_s", "remove_per_s" })
            Assert.That(Figure(lines[4], rate), Is.GreaterThan(0), lines[4]);
        Assert.That(Figure(lines[4], "errors"), Is.EqualTo(0));
        using (var libnfs = LibNfsMount.Connect(Server.Port))
            Assert.That(libnfs.ListDirectory(dir).Where(n => n is not ("." or "..")), Is.Empty, "the bench cleans up after itself");
        TestContext.Out.WriteLine(run.Output);
    }

    [Test]
    public void Bench_over_nfs_4_1_names_the_status_and_path_it_could_not_reach()
    {
        string missing = UniqueName("absent");
        var run = Tool("bench", "-t", "1", "-s", "1", "-n", "1", Url41(missing));
        Assert.That(run.ExitCode, Is.EqualTo(1), run.Error);
        Assert.That(run.Error, Does.Contain($"/export{missing}: NFS4ERR_NOENT (LOOKUP)"));
    }

    private static double Figure(string line, string name)
    {
        var match = Regex.Match(line, $@"(?:^| ){Regex.Escape(name)}=(?<value>[\d.]+)");
        Assert.That(match.Success, Is.True, $"{name} in: {line}");
        return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    [Test]
    public async Task Without_ports_in_the_url_the_portmapper_is_asked()
    {
        string dir = UniqueName("pmap");
        using (var libnfs = LibNfsMount.Connect(Server.Port))
        {
            libnfs.Check(libnfs.Mkdir(dir), "mkdir");
            libnfs.WriteFile($"{dir}/found-through-the-portmapper", ReadOnlySpan<byte>.Empty);
        }
        var portmapper = new Portmapper(Server.Port);
        await using var server = new RpcServer(new RpcServerOptions { Address = IPAddress.Loopback, Port = 0 }, [new PmapV2Dispatcher<RpcCallContext>(portmapper)], NullLogger.Instance);
        await server.StartAsync();

        var run = await Task.Run(() => Tool("ls", "--portmapper-port", server.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), $"nfs://127.0.0.1/export{dir}"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Is.EqualTo("found-through-the-portmapper\n"));
        Assert.That(portmapper.Asked, Is.EquivalentTo(new[] { 100003u, 100005u }));
    }

    /// <summary>A portmapper (RFC 1833 version 2) that registers NFS and MOUNT version 3 over TCP on the server's port.</summary>
    private sealed class Portmapper(int port) : IPmapV2<RpcCallContext>
    {
        public List<uint> Asked { get; } = [];

        public ValueTask<uint> GetportAsync(Mapping arguments, RpcCallContext context)
        {
            lock (Asked)
                Asked.Add(arguments.Prog);
            bool served = arguments.Prog is 100003 or 100005 && arguments.Vers == 3 && arguments.Prot == PortmapConstants.IpprotoTcp;
            return new(served ? (uint)port : 0);
        }

        public ValueTask NullAsync(RpcCallContext context) => default;
        public ValueTask<bool> SetAsync(Mapping arguments, RpcCallContext context) => new(false);
        public ValueTask<bool> UnsetAsync(Mapping arguments, RpcCallContext context) => new(false);
        public ValueTask<XdrList<Pmaplist, Pmaplist>> DumpAsync(RpcCallContext context) => new(Array.Empty<Pmaplist>());
        public ValueTask<CallResult> CallitAsync(CallArgs arguments, RpcCallContext context) => new(default(CallResult));
    }

    private static string LastProgressLine(string stderr) =>
        stderr.Split('\r', '\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";

    private sealed record ToolRun(int ExitCode, string Output, string Error, TimeSpan Elapsed);

    /// <summary>Runs `dotnet ditto-nfs.dll ARGS` from this build's output, bounded by <see cref="ToolTimeout"/>.</summary>
    private static ToolRun Tool(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ditto-nfs.dll"));
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ditto-nfs");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"ditto-nfs {string.Join(' ', arguments)} did not finish within {ToolTimeout}");
        }
        process.WaitForExit();
        return new ToolRun(process.ExitCode, output.Result, error.Result, clock.Elapsed);
    }
}
