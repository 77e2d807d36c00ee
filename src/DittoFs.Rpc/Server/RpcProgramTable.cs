using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// The programs and versions one server answers for, looked up per call without allocating. It also knows
/// each program's lowest and highest version, which a PROG_MISMATCH reply carries (RFC 5531 §9).
/// </summary>
internal sealed class RpcProgramTable
{
    private readonly Dictionary<ulong, IXdrProgram<RpcCallContext>> _versions = [];
    private readonly Dictionary<uint, (uint Low, uint High)> _ranges = [];

    public RpcProgramTable(IEnumerable<IXdrProgram<RpcCallContext>> programs)
    {
        ArgumentNullException.ThrowIfNull(programs);
        foreach (var program in programs)
        {
            ArgumentNullException.ThrowIfNull(program, nameof(programs));
            if (!_versions.TryAdd(Key(program.Program, program.Version), program))
                throw new ArgumentException($"Program {program.Program} version {program.Version} is served twice.", nameof(programs));
            _ranges[program.Program] = _ranges.TryGetValue(program.Program, out var range)
                ? (Math.Min(range.Low, program.Version), Math.Max(range.High, program.Version))
                : (program.Version, program.Version);
        }
    }

    /// <summary>The version's dispatcher; null with <paramref name="programKnown"/> and the served range when there is none.</summary>
    public IXdrProgram<RpcCallContext>? Find(uint program, uint version, out bool programKnown, out uint low, out uint high)
    {
        if (_versions.TryGetValue(Key(program, version), out var found))
        {
            programKnown = true;
            low = high = version;
            return found;
        }
        programKnown = _ranges.TryGetValue(program, out var range);
        (low, high) = range;
        return null;
    }

    /// <summary>Whether any version of <paramref name="program"/> is served.</summary>
    public bool Serves(uint program) => _ranges.ContainsKey(program);

    private static ulong Key(uint program, uint version) => ((ulong)program << 32) | version;
}
