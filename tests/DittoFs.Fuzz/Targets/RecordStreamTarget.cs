using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using DittoFs.Fuzz.Engine;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Fuzz.Targets;

/// <summary>
/// Target (a): the bytes a client sends on a TCP connection, through what the server's read loop does with them —
/// <see cref="RecordAssembler"/> (RFC 5531 §11 record marking), then for every complete record the call check, the call
/// header decode and the credential check (<see cref="RpcCallHeader"/>, <see cref="RpcCredentials"/>).
/// Properties: nothing throws; the records found do not depend on how the stream was cut into reads (the input is fed
/// once in pseudo-random pieces and once whole); no record exceeds the maximum size; the partial-record buffer never
/// grows beyond twice the bytes received nor beyond the maximum (a header alone reserves nothing); a decoded header's
/// credential and verifier respect MAX_AUTH_BYTES; an accepted AUTH_SYS credential has at most 16 groups and a
/// machine name of at most 255 bytes.
/// </summary>
internal sealed class RecordStreamTarget : IFuzzTarget
{
    /// <summary>Small, so that the too-large path is as reachable as the complete one.</summary>
    public const int MaxRecordSize = 8 * 1024;

    private const int MaxAuthBytes = 400; // RFC 5531 §8.2
    private readonly RpcCallContext _context = new() { Gids = new uint[16] };

    public RecordStreamTarget()
    {
        var calls = ValidCalls.For(NfsEnvironment.Create());
        var seeds = calls.Select(call => ValidCalls.Record(call.Message)).ToList();
        // Several records in one stream, a record in several fragments, and a record cut short.
        seeds.Add([.. seeds[1], .. seeds[2], .. seeds[3]]);
        seeds.Add(Fragmented(calls[4].Message, 3));
        seeds.Add(Fragmented(calls[5].Message, 1));
        seeds.Add([.. seeds[6], .. seeds[7].AsSpan(0, seeds[7].Length / 2)]);
        Seeds = seeds;
    }

    public string Name => "rpc-records";
    public IReadOnlyList<byte[]> Seeds { get; }
    public int MaxInputLength => 3 * MaxRecordSize;

    public ulong Run(byte[] input)
    {
        var whole = Assemble(input, wholeInput: true, out var signature);
        var pieces = Assemble(input, wholeInput: false, out _);
        if (!whole.SequenceEqual(pieces, EventComparer.Instance))
        {
            throw new FuzzPropertyException($"reads: the records depend on how the stream was cut ({whole.Count} events whole, {pieces.Count} in pieces)");
        }
        return signature.Value;
    }

    public void Refresh(List<byte[]> corpus)
    {
    }

    private List<(RecordStatus Status, byte[] Record)> Assemble(byte[] input, bool wholeInput, out Signature signature)
    {
        signature = new Signature(1);
        var events = new List<(RecordStatus, byte[])>();
        using var assembler = new RecordAssembler(MaxRecordSize);
        var random = new Random(BinaryPrimitives.ReadInt32LittleEndian(System.IO.Hashing.Crc32.Hash(input)));
        int fed = 0;
        int offset = 0;
        var pending = ReadOnlySequence<byte>.Empty;
        while (true)
        {
            // Like a PipeReader: what was not consumed is offered again with the next read's bytes.
            int take = wholeInput ? input.Length - offset : Math.Min(input.Length - offset, 1 + random.Next(random.Next(2) == 0 ? 8 : 512));
            var buffer = Concat(pending, input.AsMemory(offset, take));
            offset += take;
            fed += take;
            var status = assembler.TryAssemble(ref buffer);
            CheckCapacity(assembler, fed);
            pending = buffer;
            if (status == RecordStatus.TooLarge)
            {
                events.Add((status, []));
                signature = signature.Add(2);
                return events;
            }
            if (status == RecordStatus.Complete)
            {
                var record = assembler.TakeRecord(out int length);
                try
                {
                    if (length > MaxRecordSize)
                    {
                        throw new FuzzPropertyException($"size: a record of {length} bytes passed a limit of {MaxRecordSize}");
                    }
                    events.Add((status, record.AsSpan(0, length).ToArray()));
                    signature = signature.Add(Inspect(record.AsMemory(0, length)));
                }
                finally
                {
                    RecordAssembler.ReturnRecord(record);
                }
                continue;
            }
            if (offset == input.Length && (take == 0 || wholeInput))
            {
                events.Add((status, []));
                signature = signature.Add(3);
                return events;
            }
        }
    }

    private static ReadOnlySequence<byte> Concat(ReadOnlySequence<byte> pending, ReadOnlyMemory<byte> next)
    {
        if (pending.IsEmpty)
        {
            return new ReadOnlySequence<byte>(next);
        }
        return new ReadOnlySequence<byte>([.. pending.ToArray(), .. next.Span]);
    }

    private static void CheckCapacity(RecordAssembler assembler, int fed)
    {
        long bound = Math.Max(16L, (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, Math.Min(2L * fed, MaxRecordSize))));
        if (assembler.Capacity > bound)
        {
            throw new FuzzPropertyException($"memory: a partial record holds a {assembler.Capacity}-byte buffer after {fed} bytes received");
        }
    }

    /// <summary>What the server's call path does with a record before dispatch; returns what it decided.</summary>
    private ulong Inspect(ReadOnlyMemory<byte> record)
    {
        if (!RpcCallHeader.IsCall(record.Span))
        {
            return 10;
        }
        var status = RpcCallHeader.Decode(record, out var header, out var arguments);
        if (status != CallHeaderStatus.Ok)
        {
            return 20 + (ulong)status;
        }
        if (header.Credential.Body.Length > MaxAuthBytes || header.Verifier.Body.Length > MaxAuthBytes)
        {
            throw new FuzzPropertyException($"auth: an opaque_auth body of {Math.Max(header.Credential.Body.Length, header.Verifier.Body.Length)} bytes was accepted");
        }
        if (arguments.Length > record.Length)
        {
            throw new FuzzPropertyException("bounds: arguments longer than the record");
        }
        var auth = RpcCredentials.Accept(header.Credential, _context);
        if (auth == AuthStat.AuthOk && header.Credential.Flavor == (uint)AuthFlavor.AuthSys
            && (_context.GidCount > 16 || _context.MachineName.Length > 255))
        {
            throw new FuzzPropertyException($"auth: AUTH_SYS with {_context.GidCount} groups and a {_context.MachineName.Length}-byte machine name was accepted");
        }
        return 100 + (ulong)auth * 7 + header.Credential.Flavor % 8;
    }

    private static byte[] Fragmented(byte[] message, int pieces)
    {
        var result = new List<byte>();
        int size = Math.Max(1, message.Length / pieces);
        for (int start = 0; start < message.Length; start += size)
        {
            int length = Math.Min(size, message.Length - start);
            bool last = start + length >= message.Length;
            var mark = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(mark, (last ? 0x8000_0000u : 0) | (uint)length);
            result.AddRange(mark);
            result.AddRange(message.AsSpan(start, length).ToArray());
        }
        return result.ToArray();
    }

    private sealed class EventComparer : IEqualityComparer<(RecordStatus Status, byte[] Record)>
    {
        public static readonly EventComparer Instance = new();

        public bool Equals((RecordStatus Status, byte[] Record) x, (RecordStatus Status, byte[] Record) y) =>
            x.Status == y.Status && x.Record.AsSpan().SequenceEqual(y.Record);

        public int GetHashCode((RecordStatus Status, byte[] Record) value) => value.Record.Length;
    }
}
