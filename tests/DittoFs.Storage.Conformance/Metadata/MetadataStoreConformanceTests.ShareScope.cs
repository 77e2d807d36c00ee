using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

/// <summary>
/// Share scoping (<see cref="FileRef.Root"/>): one store holds several shares, and a reference scoped to one share
/// never reaches an object of another, whatever file id it carries. This is what stops a client admitted to one
/// share from forging a handle with the file id of another share's file.
/// </summary>
public abstract partial class MetadataStoreConformanceTests
{
    /// <summary>A second share in the same store, with a directory, a file and a symlink in it.</summary>
    private async Task<(FileRef Root, InodeAttributes Directory, InodeAttributes File, InodeAttributes Symlink)> OtherShareAsync()
    {
        var root = (await Store.GetOrCreateRootAsync("other", 0, 0, Octal("777"))).Value;
        var directory = await MkdirAsync(root, "secret-dir", "777");
        var file = await CreateFileAsync(directory.Ref, "secret", "666");
        var symlink = await Store.SymlinkAsync(Superuser, directory.Ref, Name("link"), Name("secret"), SetAttributes.None);
        Assert.That(symlink.Status, Is.EqualTo(StoreStatus.Ok), "symlink");
        return (root, directory, file, symlink.Value.File);
    }

    [Test]
    public async Task A_reference_scoped_to_its_own_share_works_at_every_depth()
    {
        var directory = await MkdirAsync(ShareRoot, "a");
        var nested = await MkdirAsync(directory.Ref, "b");
        var file = await CreateFileAsync(nested.Ref, "f");

        Assert.That((await Store.GetAttributesAsync(ShareRoot.Within(ShareRoot))).Status, Is.EqualTo(StoreStatus.Ok), "the root itself");
        Assert.That((await Store.GetAttributesAsync(file.Ref.Within(ShareRoot))).Status, Is.EqualTo(StoreStatus.Ok), "a file two levels down");
        Assert.That((await Store.LookupAsync(Superuser, nested.Ref.Within(ShareRoot), Name("f"))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task A_reference_scoped_to_one_share_does_not_read_another_shares_objects()
    {
        var other = await OtherShareAsync();
        var scope = ShareRoot;
        FileRef Forged(InodeAttributes attributes) => attributes.Ref.Within(scope);
        var page = new DirectoryEntry[8];

        var statuses = new Dictionary<string, StoreStatus>
        {
            ["getattr of the other root"] = (await Store.GetAttributesAsync(other.Root.Within(scope))).Status,
            ["getattr"] = (await Store.GetAttributesAsync(Forged(other.File))).Status,
            ["lookup"] = (await Store.LookupAsync(Superuser, Forged(other.Directory), Name("secret"))).Status,
            ["lookup .."] = (await Store.LookupAsync(Superuser, Forged(other.Directory), Name(".."))).Status,
            ["access"] = (await Store.AccessAsync(Superuser, Forged(other.File), AccessRights.Read)).Status,
            ["readlink"] = (await Store.ReadLinkAsync(Superuser, Forged(other.Symlink))).Status,
            ["read"] = (await Store.PrepareReadAsync(Superuser, Forged(other.File))).Status,
            ["readdir"] = (await Store.ReadDirectoryAsync(Superuser, Forged(other.Directory), DirectoryCookie.Start, 0, page)).Status,
            ["flush"] = await Store.FlushAsync(Forged(other.File)),
        };

        Assert.That(statuses.Where(status => status.Value != StoreStatus.Stale), Is.Empty, "operations that reached the other share");
    }

    [Test]
    public async Task A_reference_scoped_to_one_share_does_not_change_another_shares_objects()
    {
        var other = await OtherShareAsync();
        var scope = ShareRoot;
        FileRef Forged(InodeAttributes attributes) => attributes.Ref.Within(scope);
        var directory = Forged(other.Directory);

        var statuses = new Dictionary<string, StoreStatus>
        {
            ["setattr"] = (await Store.SetAttributesAsync(Superuser, Forged(other.File), Mode("777"), null)).Status,
            ["write check"] = (await Store.PrepareWriteAsync(Superuser, Forged(other.File), 0, 1)).Status,
            ["write record"] = (await Store.CommitWriteAsync(Superuser, Forged(other.File), 0, 1)).Status,
            ["create"] = (await Store.CreateAsync(Superuser, directory, Name("new"), CreateMode.Guarded, SetAttributes.None, 0)).Status,
            ["mkdir"] = (await Store.MkdirAsync(Superuser, directory, Name("new-dir"), SetAttributes.None)).Status,
            ["symlink"] = (await Store.SymlinkAsync(Superuser, directory, Name("new-link"), Name("x"), SetAttributes.None)).Status,
            ["mknod"] = (await Store.MknodAsync(Superuser, directory, Name("new-fifo"), FileType.Fifo, SetAttributes.None, default)).Status,
            ["remove"] = (await Store.RemoveAsync(Superuser, directory, Name("secret"))).Status,
            ["rmdir"] = (await Store.RmdirAsync(Superuser, other.Root.Within(scope), Name("secret-dir"))).Status,
            ["rename out"] = (await Store.RenameAsync(Superuser, directory, Name("secret"), ShareRoot.Within(scope), Name("stolen"))).Status,
            ["link out"] = (await Store.LinkAsync(Superuser, Forged(other.File), ShareRoot.Within(scope), Name("stolen-link"))).Status,
        };

        Assert.That(statuses.Where(status => status.Value != StoreStatus.Stale), Is.Empty, "operations that reached the other share");

        // Nothing moved, nothing was made, and the other share's file is as it was.
        Assert.That(await LookupStatusAsync(ShareRoot, "stolen"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That(await LookupStatusAsync(ShareRoot, "stolen-link"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That((await ListAllAsync(other.Directory.Ref)).Select(entry => System.Text.Encoding.UTF8.GetString(entry.Name.Span)),
            Is.EquivalentTo(new[] { "secret", "link" }));
        Assert.That((await AttributesOfAsync(other.File.Ref)).Mode, Is.EqualTo(Octal("666")));
    }

    [Test]
    public async Task Rename_between_shares_is_xdev_even_unscoped()
    {
        var other = await OtherShareAsync();

        var renamed = await Store.RenameAsync(Superuser, other.Directory.Ref, Name("secret"), ShareRoot, Name("moved"));

        Assert.That(renamed.Status, Is.EqualTo(StoreStatus.XDev));
        Assert.That(await LookupStatusAsync(ShareRoot, "moved"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That(await LookupStatusAsync(other.Directory.Ref, "secret"), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Link_between_shares_is_xdev_even_unscoped()
    {
        var other = await OtherShareAsync();

        var linked = await Store.LinkAsync(Superuser, other.File.Ref, ShareRoot, Name("linked"));

        Assert.That(linked.Status, Is.EqualTo(StoreStatus.XDev));
        Assert.That(await LookupStatusAsync(ShareRoot, "linked"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That((await AttributesOfAsync(other.File.Ref)).LinkCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Objects_moved_within_a_share_stay_in_its_scope()
    {
        var from = await MkdirAsync(ShareRoot, "from");
        var to = await MkdirAsync(ShareRoot, "to");
        var moved = await MkdirAsync(from.Ref, "moved");
        var file = await CreateFileAsync(moved.Ref, "f");
        var renamed = await Store.RenameAsync(Superuser, from.Ref, Name("moved"), to.Ref, Name("moved"));
        Assert.That(renamed.Status, Is.EqualTo(StoreStatus.Ok));
        var linked = await Store.LinkAsync(Superuser, file.Ref, to.Ref, Name("hard"));
        Assert.That(linked.Status, Is.EqualTo(StoreStatus.Ok));

        Assert.That((await Store.GetAttributesAsync(file.Ref.Within(ShareRoot))).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.GetAttributesAsync(moved.Ref.Within(ShareRoot))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Share_scopes_survive_a_restart()
    {
        var other = await OtherShareAsync();
        var own = await CreateFileAsync(ShareRoot, "own");

        await ReopenStoreAsync();
        var otherRoot = (await Store.GetOrCreateRootAsync("other", 0, 0, Octal("777"))).Value;

        Assert.That((await Store.GetAttributesAsync(own.Ref.Within(ShareRoot))).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.GetAttributesAsync(other.File.Ref.Within(otherRoot))).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.GetAttributesAsync(other.File.Ref.Within(ShareRoot))).Status, Is.EqualTo(StoreStatus.Stale));
    }
}
