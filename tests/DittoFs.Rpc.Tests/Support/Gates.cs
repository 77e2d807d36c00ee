using System.Collections.Concurrent;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// Numbered gates a test procedure waits at: a test learns when a call has reached its gate and decides
/// when it may go on, so ordering is controlled by the test, never by timing.
/// </summary>
internal sealed class Gates
{
    private readonly ConcurrentDictionary<uint, Gate> _gates = new();

    public Gate this[uint id] => _gates.GetOrAdd(id, _ => new Gate());

    /// <summary>Lets every call through (test teardown).</summary>
    public void OpenAll()
    {
        foreach (var gate in _gates.Values)
            gate.Open();
    }

    public sealed class Gate
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a call has arrived at the gate.</summary>
        public Task Entered => _entered.Task;

        public Task Opened => _opened.Task;

        public void Enter() => _entered.TrySetResult();

        public void Open() => _opened.TrySetResult();
    }
}
