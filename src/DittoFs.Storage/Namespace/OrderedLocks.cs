using System.Runtime.CompilerServices;

namespace DittoFs.Storage;

/// <summary>
/// The locks one change holds on up to four inodes (two directories and two entries of a RENAME), taken in one
/// global order so that no two changes wait on each other: ascending by the key the store gives each lock (a file
/// id, a lock-table index), each key once, and released in reverse. Every change that needs more than one inode
/// lock takes them all at once through this; it first finds the inodes without these locks, then locks them
/// together and checks that nothing moved, retrying if something did (<see cref="NamespaceChanges{TSteps, TId, TNode, TEntry}"/>).
/// </summary>
public ref struct OrderedLocks
{
    private Keys _keys;
    private Gates _gates;
    private int _count;

    /// <summary>Adds <paramref name="gate"/> under <paramref name="order"/>, once per key; call before <see cref="EnterAll"/>.</summary>
    public void Add(ulong order, Lock gate)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_keys[i] == order)
            {
                return;
            }
        }
        int position = _count;
        while (position > 0 && _keys[position - 1] > order)
        {
            _keys[position] = _keys[position - 1];
            _gates[position] = _gates[position - 1];
            position--;
        }
        _keys[position] = order;
        _gates[position] = gate;
        _count++;
    }

    public readonly void EnterAll()
    {
        for (int i = 0; i < _count; i++)
        {
            _gates[i]!.Enter();
        }
    }

    public void Dispose()
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            _gates[i]!.Exit();
        }
        _count = 0;
    }

    [InlineArray(4)]
    private struct Keys
    {
        private ulong _element;
    }

    [InlineArray(4)]
    private struct Gates
    {
        private Lock? _element;
    }
}
