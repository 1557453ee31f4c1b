package io.weir.tools.demo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the demo prints money, times and counts. Stateless. */
final class DemoFormat
{
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    private DemoFormat()
    {
    }

    static String money(final long cents)
    {
        return String.format(Locale.ROOT, "%,d.%02d", cents / 100, Math.abs(cents % 100));
    }

    /** Event time as a UTC time of day (the generated clock starts at the wall clock and may run faster). */
    static String time(final long epochMs)
    {
        return TIME.format(Instant.ofEpochMilli(epochMs));
    }

    static String count(final long value)
    {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
