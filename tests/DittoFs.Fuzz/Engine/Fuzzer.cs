using System.Diagnostics;

namespace DittoFs.Fuzz.Engine;

/// <summary>A failure the fuzzer found, with the smallest input it could shrink it to.</summary>
internal sealed record FuzzFinding(string Target, string Kind, string Message, byte[] Input, byte[] Minimized)
{
    public string Hex => Convert.ToHexString(Minimized);

    public override string ToString() =>
        $"{Target}: {Kind}: {Message}\n  minimized input ({Minimized.Length} bytes, from {Input.Length}): {Hex}";
}

/// <summary>What one fuzzing run did.</summary>
internal sealed record FuzzReport(string Target, long Executions, TimeSpan Elapsed, int CorpusSize, int Signatures, IReadOnlyList<FuzzFinding> Findings)
{
    public double ExecutionsPerSecond => Executions / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public override string ToString() =>
        $"{Target}: {Executions:N0} executions in {Elapsed.TotalSeconds:F1} s ({ExecutionsPerSecond:N0}/s), corpus {CorpusSize}, " +
        $"{Signatures} distinct behaviours, {Findings.Count} findings";
}

/// <summary>
/// A seeded mutation fuzzer: starts from a target's valid seeds, mutates corpus entries (<see cref="Mutator"/>), keeps
/// any input that shows a behaviour not seen before (the target's signature stands in for coverage), and records every
/// exception and failed property with a minimized input. Deterministic for a given seed up to timing (how many
/// executions fit the budget).
/// </summary>
internal sealed class Fuzzer(IFuzzTarget target, int seed)
{
    private const int MaxCorpus = 4096;
    private const int MaxFindings = 8;
    private const int RefreshEvery = 20_000;
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinimizeBudget = TimeSpan.FromSeconds(10);

    /// <param name="maxFindings">Stop once this many distinct failures are found.</param>
    public FuzzReport Run(TimeSpan budget, int maxFindings = MaxFindings)
    {
        var random = new Random(seed);
        var mutator = new Mutator(random, target.MaxInputLength);
        var corpus = new List<byte[]>();
        var signatures = new HashSet<ulong>();
        var findings = new List<FuzzFinding>();
        var findingKeys = new HashSet<string>();
        long executions = 0;

        foreach (var input in target.Seeds)
        {
            // Seeds are valid messages: any failure on one is a finding like any other.
            if (TryRun(input, out ulong signature, out var failure))
            {
                signatures.Add(signature);
            }
            else
            {
                Record(input, failure!, findings, findingKeys);
            }
            corpus.Add(input);
            executions++;
        }

        var clock = Stopwatch.StartNew();
        using var watchdog = new Watchdog(target.Name);
        while (clock.Elapsed < budget && findings.Count < maxFindings)
        {
            if (executions % RefreshEvery == 0)
            {
                target.Refresh(corpus);
            }
            var parent = corpus[random.Next(corpus.Count)];
            var input = mutator.Mutate(parent, corpus);
            watchdog.Enter(input);
            bool passed = TryRun(input, out ulong signature, out var failure);
            watchdog.Leave();
            executions++;
            if (!passed)
            {
                Record(input, failure!, findings, findingKeys);
            }
            else if (signatures.Add(signature) && corpus.Count < MaxCorpus)
            {
                corpus.Add(input);
            }
        }
        return new FuzzReport(target.Name, executions, clock.Elapsed, corpus.Count, signatures.Count, findings);
    }

    private bool TryRun(byte[] input, out ulong signature, out Exception? failure)
    {
        try
        {
            signature = target.Run(input);
            failure = null;
            return true;
        }
        catch (Exception exception)
        {
            signature = 0;
            failure = exception;
            return false;
        }
    }

    private void Record(byte[] input, Exception failure, List<FuzzFinding> findings, HashSet<string> keys)
    {
        string key = KeyOf(failure);
        if (!keys.Add(key))
        {
            return;
        }
        var minimized = Minimize(input, key);
        findings.Add(new FuzzFinding(target.Name, failure.GetType().Name, failure.Message, input, minimized));
    }

    /// <summary>Same failure = same exception type thrown from the same place (property failures: the same property).</summary>
    private static string KeyOf(Exception failure) => failure is FuzzPropertyException
        ? $"property:{failure.Message.Split(':')[0]}"
        : $"{failure.GetType().FullName}@{new StackTrace(failure).GetFrames().FirstOrDefault(frame => frame.GetMethod() is not null)?.GetMethod()}";

    /// <summary>Greedy shrinking: drop ever smaller runs of bytes, then zero bytes, while the same failure persists.</summary>
    private byte[] Minimize(byte[] input, string key)
    {
        var clock = Stopwatch.StartNew();
        bool StillFails(byte[] candidate) => !TryRun(candidate, out _, out var failure) && KeyOf(failure!) == key;

        var best = input;
        for (int chunk = Math.Max(1, best.Length / 2); chunk >= 1 && clock.Elapsed < MinimizeBudget; chunk /= 2)
        {
            for (int start = 0; start + chunk <= best.Length && clock.Elapsed < MinimizeBudget;)
            {
                var candidate = best[..start].Concat(best[(start + chunk)..]).ToArray();
                if (StillFails(candidate))
                {
                    best = candidate;
                }
                else
                {
                    start += chunk;
                }
            }
        }
        for (int i = 0; i < best.Length && clock.Elapsed < MinimizeBudget; i++)
        {
            if (best[i] == 0)
            {
                continue;
            }
            var candidate = (byte[])best.Clone();
            candidate[i] = 0;
            if (StillFails(candidate))
            {
                best = candidate;
            }
        }
        return best;
    }

    /// <summary>
    /// A run that does not come back is a hang. .NET cannot abort a thread, so after <see cref="HangLimit"/> the
    /// process is ended with the input in the message (as libFuzzer does on a timeout): CI fails loudly with the input.
    /// </summary>
    private sealed class Watchdog : IDisposable
    {
        private readonly Timer _timer;
        private readonly string _target;
        private byte[]? _input;
        private long _enteredAt;

        public Watchdog(string target)
        {
            _target = target;
            _timer = new Timer(_ => Check(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        public void Enter(byte[] input)
        {
            Volatile.Write(ref _enteredAt, Environment.TickCount64);
            Volatile.Write(ref _input, input);
        }

        public void Leave() => Volatile.Write(ref _input, null);

        private void Check()
        {
            var input = Volatile.Read(ref _input);
            if (input is not null && Environment.TickCount64 - Volatile.Read(ref _enteredAt) > HangLimit.TotalMilliseconds && ReferenceEquals(input, Volatile.Read(ref _input)))
            {
                Environment.FailFast($"Fuzz target {_target} hung for {HangLimit.TotalSeconds} s on input {Convert.ToHexString(input)}");
            }
        }

        public void Dispose() => _timer.Dispose();
    }
}
