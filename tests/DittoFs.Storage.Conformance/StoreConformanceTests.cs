using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

/// <summary>
/// What the content and metadata suites share: a fresh store for each test, disposed after it, and reopening for
/// the persistence tests. A suite's own [SetUp] runs after this one's (NUnit runs a base class's first), so it
/// finds <see cref="Store"/> created.
/// </summary>
/// <typeparam name="TStore">The store interface the suite tests.</typeparam>
public abstract class StoreConformanceTests<TStore>
    where TStore : class
{
    protected TStore Store { get; private set; } = null!;

    /// <summary>A new, empty store.</summary>
    protected abstract TStore CreateStore();

    /// <summary>
    /// For persistent stores: close <paramref name="store"/> and open a new instance over the same data. Stores that
    /// keep nothing return null, and the tests that need it are ignored.
    /// </summary>
    protected virtual ValueTask<TStore?> ReopenAsync(TStore store) => ValueTask.FromResult<TStore?>(null);

    [SetUp]
    public void CreateFreshStore() => Store = CreateStore();

    [TearDown]
    public async Task DisposeStoreAsync()
    {
        switch (Store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Replaces <see cref="Store"/> with a reopened instance, or ignores the test for a store that keeps nothing.</summary>
    protected async Task ReopenStoreAsync()
    {
        var reopened = await ReopenAsync(Store);
        if (reopened is null)
        {
            Assert.Ignore("The store does not persist: nothing to reopen.");
        }
        Store = reopened!;
    }
}
