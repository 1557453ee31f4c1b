package io.weir.tools.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The reference jobs' benchmark input: {@code ts_millis,key,amount,event_id} lines, a pure function of its
 * parameters (SplitMix64, integer arithmetic), byte for byte the generator the Flink comparison harness uses, so
 * that both engines read the same file.
 * <p>
 * Per line: the base clock advances by U[0, 2 * meanStep] ms; with probability 1% an earlier line is repeated
 * (70% from the last 4096 new events, 30% from every 64th of the last 262144); else with probability 0.1% a late
 * event ({@code base - D - 1000 - U[0, 4D]}); else {@code base - U[0, D]}. New events get ids 1, 2, 3, ...; keys
 * are 0..K-1 (a paused key is re-drawn up to 4 times); amounts U[1, 10000]. After a new on-time event, with
 * probability 0.05% a burst of 4..9 events of its key starts, and with probability 0.2% the key pauses for
 * 30..120 s (which closes sessions).
 */
final class JobInputGenerator
{
    static final long START_MS = 1_700_000_000_000L;
    private static final double DUP_RATE = 0.01;
    private static final double LATE_RATE = 0.001;
    private static final double PAUSE_RATE = 0.002;
    private static final double BURST_RATE = 0.0005;
    private static final int RECENT = 4096;
    private static final int FAR = 4096;
    private static final int FAR_EVERY = 64;
    private static final long MEAN_STEP_MS = 1;

    private final long events;
    private final int keys;
    private final long seed;
    private final long outOfOrdernessMs;
    private long state;

    JobInputGenerator(final long events, final int keys, final long seed, final long outOfOrdernessMs)
    {
        if (events < 0 || keys <= 0 || outOfOrdernessMs < 0)
        {
            throw new IllegalArgumentException("events >= 0, keys > 0 and out-of-order >= 0 required, got " +
                events + ", " + keys + ", " + outOfOrdernessMs);
        }
        this.events = events;
        this.keys = keys;
        this.seed = seed;
        this.outOfOrdernessMs = outOfOrdernessMs;
    }

    /** Write the input to {@code file} (through a temporary sibling, so a file that exists is complete). */
    void writeTo(final Path file) throws IOException
    {
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp))
        {
            write(out);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    void write(final OutputStream out) throws IOException
    {
        state = seed;
        final long[] recent = new long[RECENT * 4];
        final long[] far = new long[FAR * 4];
        long recentCount = 0;
        long farCount = 0;
        final long[] pausedUntil = new long[keys];
        long base = START_MS;
        long nextId = 0;
        int burstLeft = 0;
        long burstKey = 0;
        final byte[] buffer = new byte[1 << 16];
        int position = 0;
        for (long i = 0; i < events; i++)
        {
            base += nextLong(2 * MEAN_STEP_MS + 1);
            final double u = nextDouble();
            final long ts;
            long key;
            final long amount;
            final long id;
            if (u < DUP_RATE && recentCount > 0)
            {
                final long[] from;
                final int slot;
                if (farCount > 0 && nextLong(10) < 3)
                {
                    from = far;
                    slot = (int)nextLong(Math.min(farCount, FAR));
                }
                else
                {
                    from = recent;
                    slot = (int)nextLong(Math.min(recentCount, RECENT));
                }
                ts = from[slot * 4];
                key = from[slot * 4 + 1];
                amount = from[slot * 4 + 2];
                id = from[slot * 4 + 3];
            }
            else
            {
                final boolean late = u < DUP_RATE + LATE_RATE;
                if (burstLeft > 0 && !late)
                {
                    key = burstKey;
                    burstLeft--;
                }
                else
                {
                    key = nextLong(keys);
                    for (int t = 0; t < 4 && base < pausedUntil[(int)key]; t++)
                    {
                        key = nextLong(keys);
                    }
                }
                ts = late ? base - outOfOrdernessMs - 1000 - nextLong(4 * outOfOrdernessMs + 1) :
                    base - nextLong(outOfOrdernessMs + 1);
                amount = 1 + nextLong(10_000);
                id = ++nextId;
                pausedUntil[(int)key] = 0;
                if (!late)
                {
                    if (burstLeft == 0 && nextDouble() < BURST_RATE)
                    {
                        burstKey = key;
                        burstLeft = 4 + (int)nextLong(6);
                    }
                    if (nextDouble() < PAUSE_RATE)
                    {
                        pausedUntil[(int)key] = base + 30_000 + nextLong(90_001);
                        if (burstKey == key)
                        {
                            burstLeft = 0;
                        }
                    }
                }
                final int r = (int)(recentCount++ % RECENT) * 4;
                recent[r] = ts;
                recent[r + 1] = key;
                recent[r + 2] = amount;
                recent[r + 3] = id;
                if (id % FAR_EVERY == 0)
                {
                    final int f = (int)(farCount++ % FAR) * 4;
                    far[f] = ts;
                    far[f + 1] = key;
                    far[f + 2] = amount;
                    far[f + 3] = id;
                }
            }
            if (position > buffer.length - 4 * 21)
            {
                out.write(buffer, 0, position);
                position = 0;
            }
            position = putLong(buffer, position, ts);
            buffer[position++] = ',';
            position = putLong(buffer, position, key);
            buffer[position++] = ',';
            position = putLong(buffer, position, amount);
            buffer[position++] = ',';
            position = putLong(buffer, position, id);
            buffer[position++] = '\n';
        }
        out.write(buffer, 0, position);
    }

    private long nextRaw()
    {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long nextLong(final long bound)
    {
        return (nextRaw() >>> 1) % bound;
    }

    private double nextDouble()
    {
        return (nextRaw() >>> 11) * 0x1.0p-53;
    }

    private static int putLong(final byte[] dst, final int offset, final long value)
    {
        final String text = Long.toString(value);
        for (int i = 0; i < text.length(); i++)
        {
            dst[offset + i] = (byte)text.charAt(i);
        }
        return offset + text.length();
    }
}
