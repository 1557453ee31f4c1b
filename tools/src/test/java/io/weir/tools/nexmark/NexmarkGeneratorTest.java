package io.weir.tools.nexmark;

import io.weir.tools.cli.WeirCli;
import io.weir.tools.nexmark.queries.NexmarkEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NexmarkGeneratorTest
{
    @Test
    void randomStreamMatchesTheSpecsTestVector()
    {
        final NexmarkGenerator generator = new NexmarkGenerator(1, 100_000);
        generator.startStream(4);
        assertEquals(7958955049054603978L, generator.streamState());
        assertEquals(-6893182575793277493L, generator.next());
        assertEquals(-7255183049512972254L, generator.next());
        assertEquals(-3894604010096690467L, generator.next());
        assertEquals(-5671572802299120096L, generator.next());
        assertEquals(-1341598346184625858L, generator.next());
    }

    @Test
    void priceRoundsLikeTheSpecsStrictPowerEverywhere()
    {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 2_000_000; i++)
        {
            final double d = (random.nextLong() >>> 11) * 0x1.0p-53;
            assertEquals(strictPrice(d), NexmarkGenerator.price(d), "d = " + d);
        }
        // Exponents whose prices lie at or next to a half, where a power one ulp off would round the other way.
        for (long cents = 100; cents < 100_000_000; cents += 1 + cents / 1000)
        {
            double d = Math.log10((cents + 0.5) / 100.0) / 6.0;
            for (int step = 0; step < 8; step++)
            {
                d = Math.nextDown(d);
            }
            for (int step = 0; step < 16 && d < 1.0; step++, d = Math.nextUp(d))
            {
                assertEquals(strictPrice(d), NexmarkGenerator.price(d), "d = " + d);
            }
        }
    }

    private static long strictPrice(final double d)
    {
        return Math.round(StrictMath.pow(10.0, d * 6.0) * 100.0);
    }

    @Test
    void firstEventsMatchTheSpec()
    {
        final List<String> expected = List.of(
            "P,1000,Julie Abrams,nlgnr@eph.com,9966 8725 6004 2027,Redmond,AZ,1700000000000",
            "A,1000,wttvfueejqxz,tbq sonanricn cuusnmsbekceczejwbahs mxpkxmfm rfaqlkxzwfovujcxmpddnwwzx " +
                "dovtpdwvlndnwnxy,187,976,1700000000000,1700000000021,1000,13",
            "A,1001,wcfx t,tzxlcbkmvenoqyxifmyjdyim,11304804,11305523,1700000000000,1700000000021,1000,10",
            "A,1002,pqol,emstuexqiujxdsexolgsuhconpk x n,630179,630862,1700000000000,1700000000024,1000,10",
            "B,1000,1001,5410514,channel-2879,https://www.nexmark.com/channel-2879/item.htm?query=1,1700000000000",
            "B,1007,1001,4658351,Apple,https://www.nexmark.com/apple/item.htm?query=1,1700000000000");
        final NexmarkGenerator generator = new NexmarkGenerator(1, 100_000);
        final NexmarkEvent event = new NexmarkEvent();
        final StringBuilder line = new StringBuilder();
        for (int n = 0; n < expected.size(); n++)
        {
            generator.generate(n, event);
            line.setLength(0);
            event.appendCsv(line);
            assertEquals(expected.get(n), line.toString(), "event " + n);
        }
    }

    @Test
    void eventsAreAPureFunctionOfTheirNumber()
    {
        final NexmarkGenerator forward = new NexmarkGenerator(7, 500);
        final NexmarkGenerator backward = new NexmarkGenerator(7, 500);
        final NexmarkEvent a = new NexmarkEvent();
        final NexmarkEvent b = new NexmarkEvent();
        final StringBuilder lineA = new StringBuilder();
        final StringBuilder lineB = new StringBuilder();
        for (int n = 0; n < 200; n++)
        {
            forward.generate(n, a);
            backward.generate(199 - n, b);
            backward.generate(n, b);
            lineA.setLength(0);
            lineB.setLength(0);
            a.appendCsv(lineA);
            b.appendCsv(lineB);
            assertEquals(lineA.toString(), lineB.toString(), "event " + n);
        }
    }

    /** The golden cases' inputs, reproduced byte for byte (SHA-256 of the reference engine's files). */
    @Test
    void generatorReproducesTheGoldenSmallAndMediumInputs(@TempDir final Path dir) throws Exception
    {
        assertEquals("3cfbcc963790ca6f42ae4095f7ed76bb69e03533eb108502076f19748f9ca691",
            generateAndHash(dir.resolve("small.csv"), 50_000, 1, 200));
        assertEquals("195c5545558f10ef8144a0fa21b1f23ecff547dfcf1f1a06d315fb935979f36b",
            generateAndHash(dir.resolve("medium.csv"), 200_000, 2, 500));
    }

    @Test
    void genCommandWritesTheFileAndRejectsBadOptions(@TempDir final Path dir) throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        final PrintStream printErr = new PrintStream(err, true, StandardCharsets.UTF_8);
        final Path file = dir.resolve("events.csv");
        assertEquals(0, WeirCli.run(
            new String[]{"nexmark", "gen", "--events", "6", "--out", file.toString()}, print, printErr));
        final List<String> lines = Files.readAllLines(file);
        assertEquals(6, lines.size());
        assertTrue(lines.get(0).startsWith("P,1000,Julie Abrams,"), lines.get(0));
        assertFalse(Files.exists(dir.resolve(".events.csv.tmp")));

        assertEquals(2, WeirCli.run(new String[]{"nexmark", "gen", "--out", file.toString()}, print, printErr));
        assertEquals("weir nexmark gen: missing required option --events\n", err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, WeirCli.run(
            new String[]{"nexmark", "gen", "--events", "5", "--event-rate", "0", "--out", file.toString()}, print,
            printErr));
        assertEquals("weir nexmark gen: --event-rate must be in 1..9223372036854775807, got 0\n",
            err.toString(StandardCharsets.UTF_8));
    }

    private static String generateAndHash(final Path file, final long events, final long seed, final long rate)
        throws Exception
    {
        NexmarkGenCommand.write(new NexmarkGenerator(seed, rate), events, file);
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
    }
}
