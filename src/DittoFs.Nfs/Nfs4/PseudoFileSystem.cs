using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Text;

namespace DittoFs.Nfs;

/// <summary>
/// NFSv4's pseudo file system (RFC 7530 §7): the read-only tree of directories above the shares, so that a client
/// starting at PUTROOTFH can LOOKUP its way to every export path ("/" → "data" → "projects" for a share exported as
/// "/data/projects"). A node is either a pseudo directory or a share's root, where LOOKUP crosses into the share
/// (a different fsid, so clients see a mount point). A share exported as "/" is the root itself. Built once from the
/// share table; node ids are FNV-1a hashes of their paths, like share ids, so pseudo handles survive restarts.
/// </summary>
internal sealed class PseudoFileSystem
{
    /// <summary>The first byte of a pseudo directory's handle (share files' handles start with <see cref="FileHandle.FormatVersion"/>).</summary>
    public const byte HandleFormat = 2;

    /// <summary>Encoded length of a pseudo directory's handle.</summary>
    public const int HandleSize = 8;

    private readonly FrozenDictionary<uint, PseudoNode> _byId;

    public PseudoFileSystem(ShareTable shares)
    {
        var nodes = new Dictionary<string, PseudoNode>(StringComparer.Ordinal);
        PseudoNode NodeFor(string path)
        {
            if (nodes.TryGetValue(path, out var node))
                return node;
            var parent = path == "/" ? null : NodeFor(ParentOf(path));
            node = new PseudoNode(path, ShareId.FromExportPath(path) | 1u, parent); // odd, never 0
            nodes.Add(path, node);
            parent?.Children.Add(node);
            return node;
        }
        Root = NodeFor("/");
        foreach (var share in shares.All)
            NodeFor(share.ExportPath).Share = share;
        foreach (var node in nodes.Values)
            node.Children.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path)); // siblings: the order of their names
        _byId = nodes.Values.ToFrozenDictionary(node => node.Id);
        _byShare = nodes.Values.Where(node => node.Share is not null).ToFrozenDictionary(node => node.Share!.Id);
    }

    private readonly FrozenDictionary<uint, PseudoNode> _byShare;

    /// <summary>The node a share is exported at: its mount point in the pseudo file system.</summary>
    public PseudoNode NodeOf(Share share) => _byShare[share.Id];

    public PseudoNode Root { get; }

    public bool TryGet(uint id, out PseudoNode node) => _byId.TryGetValue(id, out node!);

    /// <summary>The node a pseudo handle names; false for anything else (a share file's handle, or garbage).</summary>
    public bool TryParse(ReadOnlySpan<byte> handle, out PseudoNode node)
    {
        node = null!;
        return handle.Length == HandleSize && handle[0] == HandleFormat && handle[1] == 0 && handle[2] == 0 && handle[3] == 0
            && TryGet(BinaryPrimitives.ReadUInt32BigEndian(handle[4..]), out node);
    }

    private static string ParentOf(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }
}

/// <summary>A directory of the pseudo file system: a path above (or at) the shares.</summary>
internal sealed class PseudoNode(string path, uint id, PseudoNode? parent)
{
    public string Path { get; } = path;

    /// <summary>The handle id and the file id of the node (odd, never 0).</summary>
    public uint Id { get; } = id;

    public PseudoNode? Parent { get; } = parent;

    /// <summary>The last component of the path ("" for the root), as READDIR sends it and LOOKUP compares it.</summary>
    public byte[] NameBytes { get; } = Encoding.UTF8.GetBytes(path == "/" ? "" : path[(path.LastIndexOf('/') + 1)..]);

    public List<PseudoNode> Children { get; } = [];

    /// <summary>The share exported at this path, whose root LOOKUP crosses into; null for a pure pseudo directory.</summary>
    public Share? Share { get; set; }

    public byte[] Handle()
    {
        var bytes = new byte[PseudoFileSystem.HandleSize];
        bytes[0] = PseudoFileSystem.HandleFormat;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), Id);
        return bytes;
    }

    public PseudoNode? Child(ReadOnlySpan<byte> name)
    {
        foreach (var child in Children)
            if (name.SequenceEqual(child.NameBytes))
                return child;
        return null;
    }

    public override string ToString() => Path;
}
