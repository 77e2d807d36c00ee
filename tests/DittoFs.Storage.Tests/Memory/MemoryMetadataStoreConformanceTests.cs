using DittoFs.Storage.Conformance;
using DittoFs.Storage.Memory;
using NUnit.Framework;

namespace DittoFs.Storage.Tests.Memory;

[TestFixture]
public sealed class MemoryMetadataStoreConformanceTests : MetadataStoreConformanceTests
{
    protected override IMetadataStore CreateStore() => new MemoryMetadataStore();
}
