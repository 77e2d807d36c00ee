using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Vfs;
using StoreWcc = DittoFs.Storage.WccData;
using WireWcc = DittoFs.Protocol.WccData;

namespace DittoFs.Nfs;

/// <summary>
/// What a checked file handle resolves to for one call: the share, the file in its stores, and who is asking
/// (after the share's squashing). Also builds the reply parts that depend on the share (fsid, handles).
/// </summary>
internal readonly record struct CallTarget(Share Share, FileRef File, AuthContext Auth)
{
    public VirtualFileSystem FileSystem => Share.FileSystem;

    public PostOpAttr PostOp(in InodeAttributes attributes) => WireAttributes.ToPostOpAttr(attributes, Share.Id);

    public PostOpAttr PostOp(in InodeAttributes? attributes) => WireAttributes.ToPostOpAttr(attributes, Share.Id);

    public WireWcc Wcc(in StoreWcc wcc) => WireAttributes.ToWccData(wcc, Share.Id);

    /// <summary>The handle of another file of this share.</summary>
    public NfsFh3 Handle(FileRef file) => new() { Data = new FileHandle(Share.Id, file).ToOpaque() };

    /// <summary>post_op_fh3 of a file this call created or found.</summary>
    public PostOpFh3 PostOpHandle(FileRef file) => new() { HandleFollows = true, Handle = Handle(file) };

    public override string ToString() => $"{File} in {Share}";
}
