using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

// READDIR: listing a directory a page at a time, each entry with the attributes asked for.
public sealed partial class Nfs4Service
{
    /// <summary>
    /// READDIR (RFC 7530 §16.24): no "." or ".."; cookies are the store's (0 starts, 1 and 2 are never handed out and
    /// are NFS4ERR_BAD_COOKIE); the cookie verifier is the store's, and one it did not hand out is NFS4ERR_NOT_SAME.
    /// The reply stays within <c>maxcount</c> (capped at the transfer size); one that cannot hold a single entry is
    /// NFS4ERR_TOOSMALL; asking for a set-only attribute is NFS4ERR_INVAL. In the pseudo file system, the directories
    /// and shares below, as the caller may see them.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> ReadDirectoryAsync(Readdir4Args arguments, Nfs4Call call)
    {
        ulong cookie = arguments.Cookie;
        ulong verifier = BinaryPrimitives.ReadUInt64BigEndian(arguments.Cookieverf.Value.Span);
        var requested = call.Words(arguments.AttrRequest);
        // Fewer entries than maxcount holds are always an answer; the reply's room bounds them too (see below for none).
        int maxCount = (int)Math.Min(Math.Min(arguments.Maxcount, (uint)_options.MaxTransferSize), (uint)Math.Max(call.ReplyRoom, 0));
        var sink = new Readdir4Entries(maxCount, requested, call.MinorVersion, _options, call.Scratch);
        Nfsstat4 status;
        bool endOfDirectory = false;
        if (!call.Current.IsSet)
        {
            status = Nfsstat4.Nfs4errNofilehandle;
        }
        else if (cookie is DirectoryCookie.Dot or DirectoryCookie.DotDot)
        {
            status = Nfsstat4.Nfs4errBadCookie;
        }
        else if (AsksSetOnly(requested.Span))
        {
            status = Nfsstat4.Nfs4errInval; // as GETATTR (RFC 7530 §5.5): set-only attributes have no value to read
        }
        else if (call.Current.Pseudo is { } directory)
        {
            (status, endOfDirectory, sink) = await ListPseudoAsync(directory, cookie, verifier, sink, call).ConfigureAwait(false);
        }
        else
        {
            status = Target(call.Current, call, out var target);
            if (status == Nfsstat4.Nfs4Ok)
            {
                sink.DescribeIn(this, target.Share);
                var listing = await DirectoryListing.ReadAsync(target, cookie, verifier, sink, ServerIdentity, call.Context.CancellationToken, withDots: false)
                    .ConfigureAwait(false);
                status = listing.Status == StoreStatus.BadCookie && cookie != DirectoryCookie.Start ? Nfsstat4.Nfs4errNotSame : StatusOf(listing.Status);
                (sink, endOfDirectory, verifier) = (listing.Sink, listing.EndOfDirectory, listing.CookieVerifier);
            }
        }
        if (status == Nfsstat4.Nfs4errToosmall && maxCount < Math.Min(arguments.Maxcount, (uint)_options.MaxTransferSize))
        {
            status = ReplyTooBig(call); // the client's maxcount would hold an entry; the reply has no room left for one
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpReaddir, call, status);
            return (Failed(NfsOpnum4.OpReaddir, status), status);
        }
        var resok = new Readdir4Resok
        {
            Cookieverf = Verifiers.Encode(verifier),
            Reply = new Dirlist4 { Entries = sink.Entries, Eof = endOfDirectory },
        };
        return (NfsResop4.FromOpreaddir(call.Scratch.Arm(new Readdir4Res { Status = status, Resok4 = resok })), status);
    }

    /// <summary>A pseudo directory's listing: its visible children, cookie 3 for the first; the verifier is always 0.</summary>
    private async ValueTask<(Nfsstat4, bool, Readdir4Entries)> ListPseudoAsync(PseudoNode directory, ulong cookie, ulong verifier, Readdir4Entries sink, Nfs4Call call)
    {
        if (verifier != 0)
        {
            return (Nfsstat4.Nfs4errNotSame, false, sink);
        }
        sink.Begin(default);
        var children = directory.Children.Where(child => IsVisible(child, call)).ToArray();
        for (int i = 0; i < children.Length; i++)
        {
            ulong childCookie = DirectoryCookie.FirstEntry + (ulong)i;
            if (childCookie <= cookie)
            {
                continue;
            }
            var child = children[i];
            var status = await DescribeAsync(Nfs4Fh.Of(child), call).ConfigureAwait(false);
            if (status != Nfsstat4.Nfs4Ok)
            {
                return (status, false, sink);
            }
            var obj = call.Described;
            if (child.Share is not null)
            {
                obj = obj with { MountedOnFileId = child.Id };
            }
            if (!sink.TryAdd(child.NameBytes, childCookie, obj))
            {
                return (sink.Count == 0 ? Nfsstat4.Nfs4errToosmall : Nfsstat4.Nfs4Ok, false, sink);
            }
        }
        return (Nfsstat4.Nfs4Ok, true, sink);
    }
}

/// <summary>
/// The entries of a READDIR4resok within <c>maxcount</c> bytes (RFC 7530 §16.24: the whole READDIR4resok with its XDR
/// overhead): the cookie verifier, the end-of-list marker and eof, plus per entry its list link and its encoding.
/// </summary>
internal struct Readdir4Entries(int limit, ReadOnlyMemory<uint> requested, uint minorVersion, NfsServerOptions options, CallScratch scratch) : IDirectorySink
{
    /// <summary>Smallest encoded entry: link, cookie, a name of up to 4 bytes, an empty bitmap and attribute list.</summary>
    private const int SmallestEntry = 4 + 8 + 8 + 4 + 4;

    // Arrays of the call's scratch (a COMPOUND may hold several READDIRs), grown as entries come: a page allocates
    // nothing in steady state.
    private Entry4[] _entries = [];
    private int _size;
    private Nfs4Service? _service;
    private Share? _share;

    public int Count { readonly get; private set; }

    public readonly bool Fits => _size <= limit;

    public readonly int SuggestedBatchSize => Math.Clamp((limit - _size) / SmallestEntry + 1, 1, 512);

    public readonly XdrList<Entry4, Entry4> Entries => new(_entries, Count);

    /// <summary>Entries the store lists are files of <paramref name="share"/>, described by <paramref name="service"/>.</summary>
    public void DescribeIn(Nfs4Service service, Share share) => (_service, _share) = (service, share);

    public void Begin(in PostOpAttr directory) => _size = Nfs4ProtConstants.Nfs4VerifierSize + 4 + 4;

    public bool TryAdd(in DirectoryEntry entry) => TryAdd(entry.Name, entry.Cookie, _service!.Describe(_share!, entry.Attributes));

    public bool TryAdd(ReadOnlyMemory<byte> name, ulong cookie, in Nfs4Object obj)
    {
        var wire = new Entry4 { Cookie = cookie, Name = name, Attrs = Fattr4Encoder.Encode(requested.Span, obj, minorVersion, options, scratch) };
        int size = 4 + Entry4.SizeOf(wire);
        if (_size + size > limit)
        {
            return false;
        }
        if (Count == _entries.Length)
        {
            var larger = scratch.Rent<Entry4>(Math.Max(64, Count * 2));
            _entries.AsSpan(0, Count).CopyTo(larger);
            _entries = larger;
        }
        _entries[Count++] = wire;
        _size += size;
        return true;
    }
}
