using System.Runtime.CompilerServices;

namespace DittoFs.Storage.RocksDb;

/// <summary>
/// Serializes changes to the same inode: a fixed table of locks, an inode's lock chosen by its id. An operation
/// takes the locks of every inode it changes (at most four: two directories and two entries of a RENAME) at
/// once, in ascending table order and each only once, so there is one global lock order and no deadlock.
/// Unrelated inodes sometimes share a lock, which costs only concurrency. Reads take no lock: each record is
/// read whole from RocksDB, and every change is one atomic batch.
/// </summary>
internal sealed class InodeLocks
{
    private const int StripeBits = 10;

    private readonly Lock[] _stripes = new Lock[1 << StripeBits];

    public InodeLocks()
    {
        for (int i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Lock();
        }
    }

    /// <summary>Locks the inodes with the given ids; 0 stands for "none" (no file has id 0).</summary>
    public Held Enter(ulong first, ulong second = 0, ulong third = 0, ulong fourth = 0)
    {
        var held = new Held(this);
        held.Add(first);
        held.Add(second);
        held.Add(third);
        held.Add(fourth);
        held.EnterAll();
        return held;
    }

    // Fibonacci hashing: consecutive ids (the common case) land on different stripes.
    private static int StripeOf(ulong fileId) => (int)((fileId * 0x9E3779B97F4A7C15) >> (64 - StripeBits));

    /// <summary>The locks one operation holds, released in reverse order on dispose.</summary>
    public ref struct Held
    {
        private readonly InodeLocks _owner;
        private Four _indices;
        private int _count;

        internal Held(InodeLocks owner)
        {
            _owner = owner;
        }

        internal void Add(ulong fileId)
        {
            if (fileId == 0)
            {
                return;
            }
            int stripe = StripeOf(fileId);
            int position = _count;
            for (int i = 0; i < _count; i++)
            {
                if (_indices[i] == stripe)
                {
                    return;
                }
            }
            while (position > 0 && _indices[position - 1] > stripe)
            {
                _indices[position] = _indices[position - 1];
                position--;
            }
            _indices[position] = stripe;
            _count++;
        }

        internal readonly void EnterAll()
        {
            for (int i = 0; i < _count; i++)
            {
                _owner._stripes[_indices[i]].Enter();
            }
        }

        public void Dispose()
        {
            for (int i = _count - 1; i >= 0; i--)
            {
                _owner._stripes[_indices[i]].Exit();
            }
            _count = 0;
        }
    }

    [InlineArray(4)]
    private struct Four
    {
        private int _element;
    }
}
