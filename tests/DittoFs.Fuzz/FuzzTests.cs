using DittoFs.Fuzz.Engine;
using DittoFs.Fuzz.Targets;

namespace DittoFs.Fuzz;

/// <summary>
/// The fuzzing runs. Budget: DITTOFS_FUZZ_SECONDS (default 80) split evenly over the four targets; seed:
/// DITTOFS_FUZZ_SEED (default fixed, so CI explores the same inputs every run and a failure reproduces). A finding
/// fails the test with its minimized input in hex and in a .hex file under the test's work directory: add that file
/// to Regressions/&lt;target&gt;/ (with a comment line saying what it found) once the bug is fixed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FuzzTests
{
    private const int DefaultSeconds = 80;
    private const int Targets = 4;
    private const int DefaultSeed = 20261101;

    private static TimeSpan BudgetPerTarget
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("DITTOFS_FUZZ_SECONDS");
            double seconds = double.TryParse(configured, System.Globalization.CultureInfo.InvariantCulture, out double value) && value > 0 ? value : DefaultSeconds;
            return TimeSpan.FromSeconds(seconds / Targets);
        }
    }

    private static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("DITTOFS_FUZZ_SEED"), out int seed) ? seed : DefaultSeed;

    [Test]
    public void Rpc_record_reader_and_call_header_survive_mutated_streams() => Fuzz(new RecordStreamTarget());

    [Test]
    public void Every_generated_codec_survives_mutated_input_and_round_trips() => Fuzz(new CodecTarget());

    [Test]
    public void Nfs_and_mount_dispatch_survive_mutated_valid_calls() => FuzzDispatch(new DispatchTarget());

    [Test]
    public void Nfs4_COMPOUND_dispatch_survives_mutated_valid_calls() => FuzzDispatch(new DispatchTarget(nfs4: true));

    private static void FuzzDispatch(DispatchTarget target)
    {
        Fuzz(target);
        TestContext.Out.WriteLine($"{target.Name}: most allocated by one message: {target.MaxAllocated:N0} bytes");
        foreach (var ((program, version, procedure, outcome), count) in target.Outcomes.OrderBy(pair => (pair.Key.Program, pair.Key.Version, pair.Key.Procedure, pair.Key.Outcome)))
        {
            TestContext.Out.WriteLine($"  {(program == Protocol.NfsV3Program.Program ? "NFSv" + version : "MOUNT")} {procedure,2} {outcome,-24} {count,10:N0}");
        }
    }

    [Test]
    public void The_fuzzer_finds_and_minimizes_a_planted_crash()
    {
        var report = new Fuzzer(new PlantedCrash(), Seed).Run(TimeSpan.FromSeconds(10), maxFindings: 1);

        Assert.That(report.Findings, Has.Count.EqualTo(1), "the planted crash is found once");
        Assert.That(report.Findings[0].Kind, Is.EqualTo(nameof(IndexOutOfRangeException)));
        Assert.That(report.Findings[0].Minimized, Has.Length.LessThanOrEqualTo(8), $"minimized from {report.Findings[0].Input.Length} bytes");
    }

    /// <summary>Throws when a length word claims more than follows, as a decoder with a missing bounds check would.</summary>
    private sealed class PlantedCrash : IFuzzTarget
    {
        public string Name => "planted";
        public IReadOnlyList<byte[]> Seeds { get; } = [[0, 0, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0]];
        public int MaxInputLength => 256;

        public ulong Run(byte[] input)
        {
            if (input.Length < 4)
            {
                return 0;
            }
            uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input);
            if (length > 64)
            {
                return 1;
            }
            var body = new byte[length];
            for (int i = 0; i < length; i++)
            {
                body[i] = input[4 + i]; // no check that the input holds length bytes
            }
            return 2 + length;
        }

        public void Refresh(List<byte[]> corpus)
        {
        }
    }

    private static void Fuzz(IFuzzTarget target)
    {
        var report = new Fuzzer(target, Seed).Run(BudgetPerTarget);
        TestContext.Out.WriteLine($"{report} (seed {Seed})");
        TestContext.Progress.WriteLine($"fuzz {report}");
        foreach (var finding in report.Findings)
        {
            string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"fuzz-finding-{finding.Target}-{Convert.ToHexString(System.IO.Hashing.Crc32.Hash(finding.Minimized))}.hex");
            File.WriteAllText(path, $"# {finding.Kind}: {finding.Message}\n{finding.Hex}\n");
            TestContext.Out.WriteLine($"{finding}\n  saved as {path}");
        }
        Assert.That(report.Executions, Is.GreaterThan(target.Seeds.Count), "the fuzzer ran past its seeds");
        Assert.That(report.Findings, Is.Empty, string.Join("\n", report.Findings));
    }
}
