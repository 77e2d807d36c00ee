using System.Net;
using NUnit.Framework;

namespace DittoFs.Storage.Tests.Model;

[TestFixture]
public sealed class AuthContextTests
{
    [Test]
    public void Membership_covers_the_primary_and_supplementary_groups()
    {
        var auth = new AuthContext(IPAddress.Loopback, AuthFlavor.Sys, 1000, 100, [20, 30]);

        Assert.That(new[] { 100u, 20u, 30u }.All(auth.IsMemberOf), Is.True);
        Assert.That(auth.IsMemberOf(40), Is.False);
    }

    [Test]
    public void The_supplementary_groups_are_copied_in()
    {
        uint[] groups = [20];
        var auth = new AuthContext(IPAddress.Loopback, AuthFlavor.Sys, 1000, 100, groups);

        groups[0] = 99;

        Assert.That(auth.IsMemberOf(20), Is.True);
    }

    [Test]
    public void Anonymous_callers_are_nobody_unless_told_otherwise()
    {
        var auth = AuthContext.Anonymous(IPAddress.Loopback);

        Assert.That((auth.Flavor, auth.Uid, auth.Gid, auth.IsRoot), Is.EqualTo((AuthFlavor.None, AuthContext.NobodyId, AuthContext.NobodyId, false)));
    }
}
