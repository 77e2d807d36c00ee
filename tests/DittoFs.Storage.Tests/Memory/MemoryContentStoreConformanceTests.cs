using DittoFs.Storage.Conformance;
using DittoFs.Storage.Memory;
using NUnit.Framework;

namespace DittoFs.Storage.Tests.Memory;

[TestFixture]
public sealed class MemoryContentStoreConformanceTests : ContentStoreConformanceTests
{
    protected override IContentStore CreateStore() => new MemoryContentStore();
}
