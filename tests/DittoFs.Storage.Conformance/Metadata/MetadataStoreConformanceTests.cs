using System.Net;
using System.Text;
using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

/// <summary>
/// The behaviour every <see cref="IMetadataStore"/> must show. Derive a [TestFixture] that supplies a fresh store;
/// a persistent store also overrides <see cref="StoreConformanceTests{TStore}.ReopenAsync"/> so the
/// persistence tests run.
/// Each test gets a new store with one share root, owned by root with mode 0777.
/// </summary>
public abstract partial class MetadataStoreConformanceTests : StoreConformanceTests<IMetadataStore>
{
    protected static readonly AuthContext Superuser = AuthContext.Root();
    protected static readonly AuthContext Alice = User(1000, 1000);
    protected static readonly AuthContext Bob = User(1001, 1001);
    /// <summary>Carol's primary group is her own; Alice's group (1000) is one of her supplementary groups.</summary>
    protected static readonly AuthContext Carol = User(1002, 1002, 1000);

    protected FileRef ShareRoot { get; private set; }

    [SetUp]
    public async Task CreateShareRootAsync()
    {
        var root = await Store.GetOrCreateRootAsync("share", 0, 0, Octal("777"));
        Assert.That(root.Status, Is.EqualTo(StoreStatus.Ok), "share root");
        ShareRoot = root.Value;
    }

    protected static AuthContext User(uint uid, uint gid, params uint[] supplementaryGids) =>
        new(IPAddress.Loopback, AuthFlavor.Sys, uid, gid, supplementaryGids);

    protected static ReadOnlyMemory<byte> Name(string name) => Encoding.UTF8.GetBytes(name);

    protected static uint Octal(string digits) => Convert.ToUInt32(digits, 8);

    protected static SetAttributes Mode(string octal) => new() { Mode = Octal(octal) };

    protected async Task<InodeAttributes> CreateFileAsync(FileRef directory, string name, string mode = "644", AuthContext? auth = null)
    {
        var created = await Store.CreateAsync(auth ?? Superuser, directory, Name(name), CreateMode.Guarded, Mode(mode), 0);
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok), $"create {name}");
        return created.Value.File;
    }

    protected async Task<InodeAttributes> MkdirAsync(FileRef directory, string name, string mode = "755", AuthContext? auth = null)
    {
        var created = await Store.MkdirAsync(auth ?? Superuser, directory, Name(name), Mode(mode));
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok), $"mkdir {name}");
        return created.Value.File;
    }

    protected async Task<InodeAttributes> AttributesOfAsync(FileRef file)
    {
        var attributes = await Store.GetAttributesAsync(file);
        Assert.That(attributes.Status, Is.EqualTo(StoreStatus.Ok), $"getattr {file}");
        return attributes.Value;
    }

    protected async Task<InodeAttributes> LookupAsync(FileRef directory, string name, AuthContext? auth = null)
    {
        var found = await Store.LookupAsync(auth ?? Superuser, directory, Name(name));
        Assert.That(found.Status, Is.EqualTo(StoreStatus.Ok), $"lookup {name}");
        return found.Value.File;
    }

    protected async Task<StoreStatus> LookupStatusAsync(FileRef directory, string name, AuthContext? auth = null) =>
        (await Store.LookupAsync(auth ?? Superuser, directory, Name(name))).Status;

    protected async Task<InodeAttributes> SetAttributesAsync(FileRef file, SetAttributes changes, AuthContext? auth = null)
    {
        var changed = await Store.SetAttributesAsync(auth ?? Superuser, file, changes, null);
        Assert.That(changed.Status, Is.EqualTo(StoreStatus.Ok), $"setattr {file}");
        return changed.Value.After!.Value;
    }

    protected async Task<StoreStatus> SetAttributesStatusAsync(FileRef file, SetAttributes changes, AuthContext auth) =>
        (await Store.SetAttributesAsync(auth, file, changes, null)).Status;

    /// <summary>A file owned by <paramref name="owner"/> (created by root, then given away).</summary>
    protected async Task<InodeAttributes> CreateOwnedFileAsync(FileRef directory, string name, string mode, AuthContext owner)
    {
        var file = await CreateFileAsync(directory, name);
        return await SetAttributesAsync(file.Ref, new SetAttributes { Uid = owner.Uid, Gid = owner.Gid, Mode = Octal(mode) });
    }

    /// <summary>A directory owned by <paramref name="owner"/> (created by root, then given away).</summary>
    protected async Task<InodeAttributes> MkdirOwnedAsync(FileRef directory, string name, string mode, AuthContext owner)
    {
        var created = await MkdirAsync(directory, name);
        return await SetAttributesAsync(created.Ref, new SetAttributes { Uid = owner.Uid, Gid = owner.Gid, Mode = Octal(mode) });
    }

    /// <summary>Every entry of a directory, read in pages of <paramref name="pageSize"/>.</summary>
    protected async Task<List<DirectoryEntry>> ListAllAsync(FileRef directory, int pageSize = 64)
    {
        var all = new List<DirectoryEntry>();
        var page = new DirectoryEntry[pageSize];
        ulong cookie = DirectoryCookie.Start;
        ulong verifier = 0;
        while (true)
        {
            var read = await Store.ReadDirectoryAsync(Superuser, directory, cookie, verifier, page);
            Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), $"readdir after {cookie}");
            all.AddRange(page.Take(read.Value.Count));
            if (read.Value.EndOfDirectory)
            {
                return all;
            }
            Assert.That(read.Value.Count, Is.GreaterThan(0), "a page that is not the last has entries");
            cookie = page[read.Value.Count - 1].Cookie;
            verifier = read.Value.CookieVerifier;
        }
    }

    protected static string NameOf(DirectoryEntry entry) => Encoding.UTF8.GetString(entry.Name.Span);
}
