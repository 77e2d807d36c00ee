using System.Collections.Concurrent;
using System.Reflection;
using DittoFs.Storage;

namespace DittoFs.Nfs.Tests.Support;

/// <summary>Wraps a metadata store and counts the calls made to it by method name (which calls a procedure makes is the NFS layer's part).</summary>
public class CountingMetadataStore : DispatchProxy
{
    private IMetadataStore _inner = null!;

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    /// <summary>The content ids <see cref="IMetadataStore.ContentDeletedAsync"/> was told of, in order.</summary>
    public ConcurrentQueue<ContentId> DeletedContent { get; } = new();

    public static (IMetadataStore Store, CountingMetadataStore Counter) Wrap(IMetadataStore inner)
    {
        var store = Create<IMetadataStore, CountingMetadataStore>();
        var counter = (CountingMetadataStore)(object)store;
        counter._inner = inner;
        return (store, counter);
    }

    public int CountOf(string method) => Calls.TryGetValue(method, out int count) ? count : 0;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        Calls.AddOrUpdate(targetMethod!.Name, 1, (_, count) => count + 1);
        if (targetMethod.Name == nameof(IMetadataStore.ContentDeletedAsync))
        {
            DeletedContent.Enqueue((ContentId)args![0]!);
        }
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
