using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// NLM version 4 (RFC 1813 appendix II) and NSM (XNFS chapter 11) messages whose bytes were worked out by hand,
/// checking that idl/nlm_prot.x and idl/sm_inter.x say what the specifications say: netobj as a counted opaque,
/// 64-bit offsets and lengths as hypers, svid as a signed int, the TEST reply's holder present only for
/// NLM4_DENIED, and SM_MON's priv as 16 bytes with no length.
/// </summary>
public class LockWireVectorTests
{
    [Test]
    public void NLM4_LOCK_arguments()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x04, 0xC0, 0x0C, 0x1E, 0x01, // cookie: 4 bytes
            0x00, 0x00, 0x00, 0x01, // block TRUE
            0x00, 0x00, 0x00, 0x01, // exclusive TRUE
            0x00, 0x00, 0x00, 0x06, (byte)'c', (byte)'l', (byte)'i', (byte)'e', (byte)'n', (byte)'t', 0x00, 0x00, // caller_name
            0x00, 0x00, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // fh: 8 bytes
            0x00, 0x00, 0x00, 0x02, (byte)'o', (byte)'w', 0x00, 0x00, // oh: 2 bytes and padding
            0x00, 0x00, 0x00, 0x2A, // svid 42
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // l_offset 2^32
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // l_len 0: to the end of file
            0x00, 0x00, 0x00, 0x00, // reclaim FALSE
            0x00, 0x00, 0x00, 0x03, // state 3
        ];
        var arguments = new Nlm4Lockargs
        {
            Cookie = new byte[] { 0xC0, 0x0C, 0x1E, 0x01 },
            Block = true,
            Exclusive = true,
            Alock = new Nlm4Lock
            {
                CallerName = "client"u8.ToArray(),
                Fh = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 },
                Oh = "ow"u8.ToArray(),
                Svid = 42,
                LOffset = 1UL << 32,
                LLen = 0,
            },
            Reclaim = false,
            State = 3,
        };

        Assert.That(XdrCodec.Encode(arguments), Is.EqualTo(expected));
        var decoded = XdrCodec.Decode<Nlm4Lockargs>(expected);
        Assert.Multiple(() =>
        {
            Assert.That(decoded.Cookie.Span.ToArray(), Is.EqualTo(new byte[] { 0xC0, 0x0C, 0x1E, 0x01 }));
            Assert.That(decoded.Block && decoded.Exclusive && !decoded.Reclaim, Is.True);
            Assert.That(decoded.Alock.CallerName.Span.ToArray(), Is.EqualTo("client"u8.ToArray()));
            Assert.That(decoded.Alock.Fh.Span.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
            Assert.That(decoded.Alock.Oh.Span.ToArray(), Is.EqualTo("ow"u8.ToArray()));
            Assert.That(decoded.Alock.Svid, Is.EqualTo(42));
            Assert.That(decoded.Alock.LOffset, Is.EqualTo(1UL << 32));
            Assert.That(decoded.Alock.LLen, Is.Zero);
            Assert.That(decoded.State, Is.EqualTo(3));
        });
    }

    [Test]
    public void NLM4_TEST_reply_denied_names_the_holder()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x00, // cookie: empty
            0x00, 0x00, 0x00, 0x01, // stat NLM4_DENIED
            0x00, 0x00, 0x00, 0x00, // holder.exclusive FALSE
            0xFF, 0xFF, 0xFF, 0xFF, // holder.svid -1
            0x00, 0x00, 0x00, 0x01, (byte)'x', 0x00, 0x00, 0x00, // holder.oh: 1 byte and padding
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A, // holder.l_offset 10
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // holder.l_len 2^64 - 1
        ];
        var reply = new Nlm4Testres
        {
            Stat = new Nlm4Testrply
            {
                Stat = Nlm4Stats.Nlm4Denied,
                Holder = new Nlm4Holder { Exclusive = false, Svid = -1, Oh = "x"u8.ToArray(), LOffset = 10, LLen = ulong.MaxValue },
            },
        };

        Assert.That(XdrCodec.Encode(reply), Is.EqualTo(expected));
        var holder = XdrCodec.Decode<Nlm4Testres>(expected).Stat.Holder;
        Assert.That((holder.Exclusive, holder.Svid, holder.Oh.Span.ToArray(), holder.LOffset, holder.LLen),
            Is.EqualTo((false, -1, "x"u8.ToArray(), 10UL, ulong.MaxValue)));
    }

    [Test]
    public void NLM4_TEST_reply_granted_has_no_holder()
    {
        var reply = new Nlm4Testres { Stat = new Nlm4Testrply { Stat = Nlm4Stats.Nlm4Granted } };

        Assert.That(XdrCodec.Encode(reply), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }));
    }

    [Test]
    public void SM_MON_arguments()
    {
        byte[] priv = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x02, (byte)'h', (byte)'1', 0x00, 0x00, // mon_id.mon_name
            0x00, 0x00, 0x00, 0x02, (byte)'m', (byte)'e', 0x00, 0x00, // mon_id.my_id.my_name
            0x00, 0x01, 0x86, 0xB5, // my_prog 100021 (NLM)
            0x00, 0x00, 0x00, 0x04, // my_vers 4
            0x00, 0x00, 0x00, 0x10, // my_proc 16
            .. priv,                // priv: 16 bytes, no length
        ];
        var monitor = new Mon
        {
            MonId = new MonId
            {
                MonName = "h1"u8.ToArray(),
                MyId = new MyId { MyName = "me"u8.ToArray(), MyProg = 100021, MyVers = 4, MyProc = 16 },
            },
            Priv = priv,
        };

        Assert.That(XdrCodec.Encode(monitor), Is.EqualTo(expected));
        var decoded = XdrCodec.Decode<Mon>(expected);
        Assert.That(decoded.Priv.Span.ToArray(), Is.EqualTo(priv));
        Assert.That(decoded.MonId.MyId.MyProg, Is.EqualTo(100021));
    }

    [Test]
    public void SM_MON_priv_of_another_length_is_refused()
    {
        var monitor = new Mon { MonId = new MonId { MonName = "h"u8.ToArray(), MyId = new MyId { MyName = "m"u8.ToArray() } }, Priv = new byte[15] };

        Assert.That(() => XdrCodec.Encode(monitor), Throws.ArgumentException.With.Message.Contains("needs 16 bytes"));
    }
}
