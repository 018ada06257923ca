using Passerelle.Core.Jobs;
using Passerelle.Core.Lanes;

namespace Passerelle.Core.Tests;

public sealed class LaneScheduleTests
{
    [Fact]
    public void A_lane_that_keeps_failing_waits_longer_each_time_up_to_an_hour()
    {
        var settings = new SyncOptions { Interval = TimeSpan.FromMinutes(5), SupervisorInterval = TimeSpan.FromMinutes(1) };

        var waits = Enumerable.Range(1, 9).Select(failures => ConnectionLane.RetryAfter(settings, failures)).ToList();

        waits.Take(7).ShouldBe(new[] { 1, 2, 4, 8, 16, 32, 60 }.Select(m => TimeSpan.FromMinutes(m)));
        waits.Skip(7).ShouldAllBe(w => w == TimeSpan.FromHours(1));
        ConnectionLane.RetryAfter(settings, 1000).ShouldBe(TimeSpan.FromHours(1));
    }

    [Theory]
    [InlineData("00:00:00", "06:00:00", "Sync:Interval must be between 1 second and 1 day")]
    [InlineData("00:05:00", "00:01:00", "Sync:FullInterval must be at least Sync:Interval")]
    [InlineData("00:05:00", "8.00:00:00", "Sync:FullInterval must be at least Sync:Interval and at most 7 days")]
    public void Wrong_sync_settings_are_named_with_what_to_set(string interval, string full, string expected)
    {
        var settings = new SyncOptions { Interval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture), FullInterval = TimeSpan.Parse(full, System.Globalization.CultureInfo.InvariantCulture) };

        settings.Problems().ShouldContain(p => p.StartsWith(expected, StringComparison.Ordinal));
    }
}
