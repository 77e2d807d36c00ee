using System.Collections.Frozen;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Every label value the hot path uses, built once as boxed key/value pairs, so recording a measurement formats
/// and allocates nothing. Values a client controls (program, version and procedure numbers) map onto a fixed set
/// ("other" for anything not served), so a misbehaving client cannot grow the number of series.
/// </summary>
internal static class MetricTags
{
    public const string Other = "other";

    public static readonly KeyValuePair<string, object?> OtherProgram = new("program", Other);
    public static readonly KeyValuePair<string, object?> OtherProcedure = new("procedure", Other);

    /// <summary>
    /// NFS v3 (and v4), MOUNT v3, the portmapper (v2), the lock manager (NLM v1, v3 and v4) and the status monitor (NSM v1):
    /// the programs a DittoFs server answers. The NLM versions share one program label, and their procedures the
    /// names of the common ones (LOCK is procedure 2 in each; SHARE, UNSHARE, NM_LOCK and FREE_ALL exist from v3 on).
    /// </summary>
    public static readonly ProgramTags Nfs = new("nfs", NfsV3Program.Program, NfsV3Program.Version, Names<NfsV3Procedure>());
    public static readonly ProgramTags Mount = new("mount", MountV3Program.Program, MountV3Program.Version, Names<MountV3Procedure>());
    public static readonly ProgramTags Portmap = new("portmap", PmapV2Program.Program, PmapV2Program.Version, Names<PmapV2Procedure>());
    public static readonly ProgramTags NlmV1 = new("nlm", NlmV1Program.Program, NlmV1Program.Version, Names<NlmV1Procedure>());
    public static readonly ProgramTags NlmV3 = new("nlm", NlmV3Program.Program, NlmV3Program.Version, Names<NlmV3Procedure>());
    public static readonly ProgramTags NlmV4 = new("nlm", NlmV4Program.Program, NlmV4Program.Version, Names<NlmV4Procedure>());
    public static readonly ProgramTags Nsm = new("nsm", SmV1Program.Program, SmV1Program.Version, Names<SmV1Procedure>());

    /// <summary>NFSv4 (with server.nfs4): a program label of its own, since its one procedure, COMPOUND, is not v3's.</summary>
    public static readonly ProgramTags Nfs4 = new("nfs4", Nfs4V4Program.Program, Nfs4V4Program.Version, Names<Nfs4V4Procedure>());

    /// <summary>By program and version (<see cref="Key"/>): one program number may be served in several versions.</summary>
    private static readonly FrozenDictionary<ulong, ProgramTags> Programs = new[] { Nfs, Nfs4, Mount, Portmap, NlmV1, NlmV3, NlmV4, Nsm }
        .ToFrozenDictionary(p => Key(p.Number, p.Version));

    /// <summary>RPC outcome as the RFC 5531 §9 names it (accept_stat, or the reject reason), "DROPPED" for no reply.</summary>
    private static readonly KeyValuePair<string, object?>[] RpcStatuses = Enum.GetValues<RpcCallStatus>()
        .OrderBy(s => (int)s)
        .Select(s => new KeyValuePair<string, object?>("status", s switch
        {
            RpcCallStatus.Success => "SUCCESS",
            RpcCallStatus.ProgramUnavailable => "PROG_UNAVAIL",
            RpcCallStatus.ProgramMismatch => "PROG_MISMATCH",
            RpcCallStatus.ProcedureUnavailable => "PROC_UNAVAIL",
            RpcCallStatus.GarbageArguments => "GARBAGE_ARGS",
            RpcCallStatus.SystemError => "SYSTEM_ERR",
            RpcCallStatus.RpcVersionMismatch => "RPC_MISMATCH",
            RpcCallStatus.AuthenticationError => "AUTH_ERROR",
            RpcCallStatus.Dropped => "DROPPED",
            _ => WireName.Upper(s.ToString()),
        }))
        .ToArray();

    private static readonly KeyValuePair<string, object?> OtherStatus = new("status", Other);

    private static readonly FrozenDictionary<uint, KeyValuePair<string, object?>> NfsStatuses = Enum.GetValues<Nfsstat3>()
        .ToFrozenDictionary(s => (uint)s, s => new KeyValuePair<string, object?>("status", WireName.Upper(s.ToString())));

    /// <summary>NFSv4 operations by their RFC names without the OP_ prefix (READ, PUTFH, EXCHANGE_ID, ...).</summary>
    private static readonly FrozenDictionary<uint, KeyValuePair<string, object?>> Nfs4Operations = Enum.GetValues<NfsOpnum4>()
        .ToFrozenDictionary(o => (uint)o, o => new KeyValuePair<string, object?>("operation", WireName.Upper(o.ToString()["Op".Length..])));

    private static readonly KeyValuePair<string, object?> OtherOperation = new("operation", Other);

    private static readonly FrozenDictionary<uint, KeyValuePair<string, object?>> Nfs4Statuses = Enum.GetValues<Nfsstat4>()
        .ToFrozenDictionary(s => (uint)s, s => new KeyValuePair<string, object?>("status", WireName.Upper(s.ToString())));

    private static readonly KeyValuePair<string, object?>[] CloseReasons = Enum.GetValues<RpcConnectionCloseReason>()
        .OrderBy(r => (int)r)
        .Select(r => new KeyValuePair<string, object?>("reason", WireName.Lower(r.ToString())))
        .ToArray();

    /// <summary>The program's tags when the server answers this program and version; null otherwise.</summary>
    public static ProgramTags? Find(uint program, uint version) =>
        Programs.TryGetValue(Key(program, version), out var tags) ? tags : null;

    private static ulong Key(uint program, uint version) => (ulong)program << 32 | version;

    private static IEnumerable<(uint Number, string Name)> Names<TProcedure>() where TProcedure : struct, Enum =>
        Enum.GetValues<TProcedure>().Select(p => (Convert.ToUInt32(p), p.ToString()));

    public static KeyValuePair<string, object?> RpcStatus(RpcCallStatus status) =>
        (uint)status < (uint)RpcStatuses.Length ? RpcStatuses[(int)status] : OtherStatus;

    /// <summary>The nfsstat3 name (NFS3_OK, NFS3ERR_NOENT, ...) of a reply's first word.</summary>
    public static KeyValuePair<string, object?> NfsStatus(uint nfsstat3) =>
        NfsStatuses.TryGetValue(nfsstat3, out var tag) ? tag : OtherStatus;

    public static KeyValuePair<string, object?> Nfs4Operation(NfsOpnum4 operation) =>
        Nfs4Operations.TryGetValue((uint)operation, out var tag) ? tag : OtherOperation;

    public static KeyValuePair<string, object?> Nfs4Status(Nfsstat4 status) =>
        Nfs4Statuses.TryGetValue((uint)status, out var tag) ? tag : OtherStatus;

    public static KeyValuePair<string, object?> CloseReason(RpcConnectionCloseReason reason) =>
        (uint)reason < (uint)CloseReasons.Length ? CloseReasons[(int)reason] : new("reason", Other);
}

/// <summary>The program label and one procedure label per procedure number of one program version.</summary>
internal sealed class ProgramTags
{
    private readonly KeyValuePair<string, object?>[] _procedures;

    public ProgramTags(string name, uint number, uint version, IEnumerable<(uint Number, string Name)> procedures)
    {
        Number = number;
        Version = version;
        Program = new("program", name);
        var byNumber = procedures.ToArray();
        _procedures = new KeyValuePair<string, object?>[byNumber.Max(p => p.Number) + 1];
        Array.Fill(_procedures, MetricTags.OtherProcedure);
        foreach (var (procedure, procedureName) in byNumber)
            _procedures[procedure] = new("procedure", WireName.Upper(procedureName));
    }

    public uint Number { get; }
    public uint Version { get; }
    public KeyValuePair<string, object?> Program { get; }

    public KeyValuePair<string, object?> Procedure(uint procedure) =>
        procedure < (uint)_procedures.Length ? _procedures[procedure] : MetricTags.OtherProcedure;
}
