using System.Runtime.CompilerServices;

namespace DittoFs.Storage.Memory;

/// <summary>
/// Holds the locks of up to four inodes, taken in ascending file id order and released in reverse. Every
/// operation that needs more than one inode lock takes them all at once through this, so lock order is one
/// global order and no two operations can wait on each other. (Operations first find the inodes with short
/// single locks, then lock them together and check nothing moved, retrying if it did.)
/// </summary>
internal ref struct InodeLocks
{
    private Four _held;
    private int _count;

    public static InodeLocks Enter(Inode first, Inode? second = null, Inode? third = null, Inode? fourth = null)
    {
        var locks = new InodeLocks();
        locks.Add(first);
        locks.Add(second);
        locks.Add(third);
        locks.Add(fourth);
        for (int i = 0; i < locks._count; i++)
        {
            locks._held[i]!.Gate.Enter();
        }
        return locks;
    }

    private void Add(Inode? inode)
    {
        if (inode is null)
        {
            return;
        }
        int position = _count;
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_held[i], inode))
            {
                return;
            }
        }
        while (position > 0 && _held[position - 1]!.Id > inode.Id)
        {
            _held[position] = _held[position - 1];
            position--;
        }
        _held[position] = inode;
        _count++;
    }

    public void Dispose()
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            _held[i]!.Gate.Exit();
        }
        _count = 0;
    }

    [InlineArray(4)]
    private struct Four
    {
        private Inode? _element;
    }
}
