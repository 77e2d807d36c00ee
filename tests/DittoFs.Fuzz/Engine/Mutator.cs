using System.Buffers.Binary;

namespace DittoFs.Fuzz.Engine;

/// <summary>
/// Mutations aimed at XDR: everything is big-endian 32-bit words, so besides bit flips and byte noise most mutations
/// work on aligned words — lengths and counts set to boundary values or nudged past what follows them, discriminants
/// and enum values replaced, words inserted, deleted, duplicated — plus truncation and splicing with other inputs.
/// Several are stacked per input, as AFL's havoc stage does.
/// </summary>
internal sealed class Mutator(Random random, int maxLength)
{
    private static readonly uint[] InterestingWords =
    [
        0, 1, 2, 3, 4, 5, 7, 8, 16, 24, 63, 64, 65, 127, 128, 255, 256, 257, 1023, 1024, 1025, 4096, 65535, 65536,
        0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFE, 0xFFFF_FFFF,
    ];

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x2F, 0x2E, 0x7F, 0x80, 0xC0, 0xFE, 0xFF];

    public byte[] Mutate(byte[] parent, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(parent);
        int rounds = 1 + random.Next(random.Next(2) == 0 ? 2 : 6);
        for (int round = 0; round < rounds; round++)
        {
            MutateOnce(data, corpus);
        }
        if (data.Count > maxLength)
        {
            data.RemoveRange(maxLength, data.Count - maxLength);
        }
        return data.ToArray();
    }

    private void MutateOnce(List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        switch (random.Next(14))
        {
            case 0 when data.Count > 0:
                data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0:
                data[random.Next(data.Count)] = (byte)random.Next(256);
                break;
            case 2 when data.Count > 0:
                data[random.Next(data.Count)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 3 when data.Count >= 4:
                SetWord(data, RandomWordOffset(data), InterestingWords[random.Next(InterestingWords.Length)]);
                break;
            case 4 when data.Count >= 4:
                TweakLength(data);
                break;
            case 5 when data.Count >= 4:
                int word = RandomWordOffset(data);
                SetWord(data, word, GetWord(data, word) + (uint)(random.Next(33) - 16));
                break;
            case 6 when data.Count > 0:
                // Truncate, usually at a word boundary.
                int cut = random.Next(data.Count);
                cut = random.Next(2) == 0 ? cut & ~3 : cut;
                data.RemoveRange(cut, data.Count - cut);
                break;
            case 7 when data.Count >= 4:
                int start = RandomWordOffset(data);
                data.RemoveRange(start, Math.Min(data.Count - start, 4 * (1 + random.Next(8))));
                break;
            case 8:
                int at = data.Count == 0 ? 0 : RandomWordOffset(data);
                var inserted = new byte[4 * (1 + random.Next(4))];
                if (random.Next(2) == 0)
                {
                    random.NextBytes(inserted);
                }
                else
                {
                    for (int i = 0; i < inserted.Length; i += 4)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(inserted.AsSpan(i), InterestingWords[random.Next(InterestingWords.Length)]);
                    }
                }
                data.InsertRange(Math.Min(at, data.Count), inserted);
                break;
            case 9 when data.Count >= 8:
                // Duplicate a run of words elsewhere (a repeated list element, a doubled argument).
                int from = RandomWordOffset(data);
                int length = Math.Min(data.Count - from, 4 * (1 + random.Next(16)));
                var chunk = data.GetRange(from, length);
                data.InsertRange(RandomWordOffset(data), chunk);
                break;
            case 10 when corpus.Count > 0:
                // Splice: a prefix of this input, the tail of another.
                var other = corpus[random.Next(corpus.Count)];
                int keep = data.Count == 0 ? 0 : random.Next(data.Count + 1);
                int skip = other.Length == 0 ? 0 : random.Next(other.Length + 1);
                data.RemoveRange(keep, data.Count - keep);
                data.AddRange(other.AsSpan(skip).ToArray());
                break;
            case 11:
                // Grow: trailing garbage, or zeros as a long opaque would carry.
                var tail = new byte[4 * (1 + random.Next(random.Next(2) == 0 ? 4 : 256))];
                if (random.Next(2) == 0)
                {
                    random.NextBytes(tail);
                }
                data.AddRange(tail);
                break;
            case 12 when data.Count >= 8:
                // Swap two words (fields out of order).
                int a = RandomWordOffset(data), b = RandomWordOffset(data);
                uint first = GetWord(data, a);
                SetWord(data, a, GetWord(data, b));
                SetWord(data, b, first);
                break;
            case 13 when data.Count >= 4:
                // Small enum / discriminant / bool values where any word was.
                SetWord(data, RandomWordOffset(data), (uint)random.Next(-2, 24));
                break;
            default:
                if (data.Count > 0)
                {
                    data[random.Next(data.Count)] ^= 0xFF;
                }
                break;
        }
    }

    /// <summary>
    /// Finds a word that looks like a length or count (a value no larger than what follows it) and makes it lie: a
    /// little more or less, exactly what remains, or just past it.
    /// </summary>
    private void TweakLength(List<byte> data)
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            int offset = RandomWordOffset(data);
            uint value = GetWord(data, offset);
            int remaining = data.Count - offset - 4;
            if (value <= (uint)Math.Max(remaining, 0) + 8)
            {
                uint lie = random.Next(4) switch
                {
                    0 => value + (uint)random.Next(1, 9),
                    1 => value - (uint)random.Next(1, 9),
                    2 => (uint)Math.Max(remaining, 0),
                    _ => (uint)Math.Max(remaining, 0) + (uint)random.Next(1, 5),
                };
                SetWord(data, offset, lie);
                return;
            }
        }
        SetWord(data, RandomWordOffset(data), (uint)random.Next(0, data.Count + 8));
    }

    private int RandomWordOffset(List<byte> data) => data.Count < 4 ? 0 : random.Next(data.Count / 4) * 4;

    private static uint GetWord(List<byte> data, int offset) =>
        (uint)(data[offset] << 24 | data[offset + 1] << 16 | data[offset + 2] << 8 | data[offset + 3]);

    private static void SetWord(List<byte> data, int offset, uint value)
    {
        data[offset] = (byte)(value >> 24);
        data[offset + 1] = (byte)(value >> 16);
        data[offset + 2] = (byte)(value >> 8);
        data[offset + 3] = (byte)value;
    }
}
