using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// Self-linked lists (RFC 4506 §4.19, like READDIR's entry3): a struct whose last field points to the next
/// node. Each node is preceded by TRUE, the list ends with FALSE; the generated code keeps the link out of
/// the node and decodes the list in a loop.
/// </summary>
public sealed class LinkedListTests : CompiledXdrFixture
{
    protected override string Xdr => """
        struct entry {
            unsigned int id;
            string name<>;
            entry *next;
        };

        typedef entry *entry_list;

        struct listing {
            entry_list entries;
            bool eof;
        };
        """;

    protected override string Probe => """
        public static byte[] Encode(int count) => XdrCodec.Encode(new Listing
        {
            Entries = Enumerable.Range(1, count).Select(i => new Entry { Id = (uint)i, Name = new byte[i % 4] }).ToArray(),
            Eof = true,
        });

        public static byte[] TwoEntries() => XdrCodec.Encode(new Listing
        {
            Entries = new[] { new Entry { Id = 1, Name = "a"u8.ToArray() }, new Entry { Id = 2, Name = "bc"u8.ToArray() } },
            Eof = true,
        });

        public static string Decode(byte[] bytes)
        {
            var l = XdrCodec.Decode<Listing>(bytes);
            var entries = new System.Collections.Generic.List<string>();
            foreach (var e in l.Entries)
                entries.Add($"{e.Id}:{System.Text.Encoding.ASCII.GetString(e.Name.Span)}");
            return $"{l.Entries.Count} [{string.Join(",", entries)}] {l.Eof}";
        }

        public static int DecodeCount(byte[] bytes) => XdrCodec.Decode<Listing>(bytes).Entries.Count;

        public static byte[] Reencode(byte[] bytes) => XdrCodec.Encode(XdrCodec.Decode<Listing>(bytes));

        public static XdrError Error(byte[] bytes) => ErrorOf<Listing>(bytes);
        """;

    private const string TwoEntriesWire =
        "00000001 00000001 00000001 61000000  00000001 00000002 00000002 62630000  00000000  00000001";

    [Test]
    public void Each_node_is_preceded_by_TRUE_and_the_list_ends_with_FALSE()
    {
        Assert.That(Encoded("TwoEntries"), Is.EqualTo(Hex.Normalize(TwoEntriesWire)));
    }

    [Test]
    public void An_empty_list_is_a_single_FALSE()
    {
        Assert.That(Encoded("Encode", 0), Is.EqualTo("00000000 00000001"));
    }

    [Test]
    public void A_list_decodes_to_its_nodes_in_order()
    {
        Assert.That(Decode<string>("Decode", TwoEntriesWire), Is.EqualTo("2 [1:a,2:bc] True"));
    }

    [Test]
    public void The_node_type_has_no_link_field()
    {
        Assert.That(Compiled.Type("Entry").GetFields().Select(f => f.Name), Is.EqualTo(new[] { "Id", "Name" }));
    }

    [Test]
    public void A_decoded_list_encodes_to_the_same_bytes()
    {
        Assert.That(Hex.Words(Compiled.Call<byte[]>("Reencode", Hex.Bytes(TwoEntriesWire))), Is.EqualTo(Hex.Normalize(TwoEntriesWire)));
    }

    [Test]
    public void A_list_of_a_hundred_thousand_nodes_decodes_without_recursion()
    {
        byte[] wire = Compiled.Call<byte[]>("Encode", 100_000);
        Assert.That(Compiled.Call<int>("DecodeCount", wire), Is.EqualTo(100_000));
    }

    [Test]
    public void A_list_without_its_closing_FALSE_is_truncated()
    {
        Assert.That(Decode<XdrError>("Error", "00000001 00000001 00000001 61000000"), Is.EqualTo(XdrError.Truncated));
    }
}
