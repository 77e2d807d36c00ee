namespace DittoFs.Storage;

/// <summary>
/// A status and a value. On failure the value is still meaningful where its type carries data an NFS
/// failure reply needs (WCC data, post-operation attributes); otherwise it is default.
/// </summary>
public readonly struct StoreResult<T>
{
    public StoreResult(T value)
    {
        Status = StoreStatus.Ok;
        Value = value;
    }

    public StoreResult(StoreStatus status, T value)
    {
        Status = status;
        Value = value;
    }

    public StoreStatus Status { get; }
    public T Value { get; }
    public bool IsOk => Status == StoreStatus.Ok;

    public static implicit operator StoreResult<T>(T value) => new(value);

    /// <summary>A failure that carries no data.</summary>
    public static implicit operator StoreResult<T>(StoreStatus status) =>
        status == StoreStatus.Ok
            ? throw new ArgumentException("A successful result needs a value.", nameof(status))
            : new StoreResult<T>(status, default!);

    public override string ToString() => IsOk ? $"Ok({Value})" : Status.ToString();
}
