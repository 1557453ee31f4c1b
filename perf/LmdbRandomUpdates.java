import io.weir.state.lmdb.LmdbStateBackend;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.EnvFlags;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The LMDB store alone, without the engine: load KEYS keys (in key order or in a scrambled order), then UPDATES
 * random read-modify-writes (get, add 1, put), with a delta snapshot taken and released every second when
 * CHECKPOINTS is true. Prints events/s per million operations with the process's major faults, bytes written
 * (/proc/self/io) and the environment's page counts, so page-cache misses and write amplification show per phase.
 * Keys are 14 bytes like the engine's composite keys (6-byte prefix, 8-byte big-endian key).
 *
 * <pre>
 * javac -cp tools/target/weir.jar -d /tmp perf/LmdbRandomUpdates.java
 * java $(cat tools/target/classes/weir-jvm.flags) -Xmx256m -cp tools/target/weir.jar:/tmp LmdbRandomUpdates \
 *     DIR KEYS UPDATES ORDER(sorted|scrambled) CHECKPOINTS(true|false) [ENV_FLAGS, e.g. MDB_NOSYNC,MDB_WRITEMAP]
 * </pre>
 * The store's own properties apply (e.g. -Dweir.lmdb.write.batch.size=N). DIR is kept afterwards for mdb_stat, and
 * a DIR that holds KEYS keys already is reused without loading.
 */
public final class LmdbRandomUpdates
{
    private static final int KEY_LENGTH = 14;
    private static final long SCRAMBLE = 0x9E3779B97F4A7C15L;

    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final long keys = Long.parseLong(args[1]);
        final long updates = Long.parseLong(args[2]);
        final boolean sorted = "sorted".equals(args[3]);
        final boolean checkpoints = Boolean.parseBoolean(args[4]);
        LmdbStateBackend backend = LmdbStateBackend.create(dir).keepFiles(true);
        if (args.length > 5)
        {
            backend = backend.envFlags(Arrays.stream(args[5].split(",")).filter(f -> !f.isEmpty())
                .map(EnvFlags::valueOf).toArray(EnvFlags[]::new));
        }
        System.out.println(backend);
        final KeyedStateStore store = backend.createStore(0, keys);
        final UnsafeBuffer key = new UnsafeBuffer(ByteBuffer.allocateDirect(KEY_LENGTH));
        final UnsafeBuffer value = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        key.putShort(0, (short)7, ByteOrder.BIG_ENDIAN);
        key.putShort(2, (short)1, ByteOrder.BIG_ENDIAN);
        key.putShort(4, (short)8, ByteOrder.BIG_ENDIAN);
        final Checkpoints checkpointer = new Checkpoints(store, checkpoints);

        final boolean loaded = store.entryCount() == keys;
        System.out.println(loaded ? "reopened with " + keys + " keys: no load" : "loading");
        Phase phase = new Phase("load " + (sorted ? "sorted" : "scrambled"));
        long step = Long.remainderUnsigned(SCRAMBLE, keys);
        while (gcd(step, keys) != 1)
        {
            step++;
        }
        for (long i = 0, k = 0; i < keys && !loaded; i++)
        {
            key.putLong(6, sorted ? i : k, ByteOrder.BIG_ENDIAN);
            value.putLong(0, 0);
            store.put(key, KEY_LENGTH, value, 0, 8);
            k += step;
            if (k >= keys)
            {
                k -= keys;
            }
            if ((i & 1023) == 0)
            {
                checkpointer.poll();
            }
            if ((i + 1) % 1_000_000 == 0)
            {
                phase = phase.report(store, i + 1);
            }
        }
        phase.report(store, keys);
        phase = new Phase("random read-modify-writes" + (checkpoints ? ", delta snapshot every second" : ""));
        for (long i = 0; i < updates; i++)
        {
            final long k = Long.remainderUnsigned(mix(i + 0x632BE59BD9B4E019L), keys);
            key.putLong(6, k, ByteOrder.BIG_ENDIAN);
            final int length = store.get(key, KEY_LENGTH, value);
            if (length != 8)
            {
                throw new IllegalStateException("key " + k + " has a value of " + length + " bytes");
            }
            value.putLong(0, value.getLong(0) + 1);
            store.put(key, KEY_LENGTH, value, 0, 8);
            if ((i & 1023) == 0)
            {
                checkpointer.poll();
            }
            if ((i + 1) % 1_000_000 == 0)
            {
                phase = phase.report(store, i + 1);
            }
        }
        checkpointer.release();
        store.close();
    }

    /** A delta snapshot every second, released at the next one, as a checkpoint that keeps up would. */
    private static final class Checkpoints
    {
        final KeyedStateStore store;
        final boolean enabled;
        long checkpointId;
        long nextNs = System.nanoTime() + 1_000_000_000L;
        StoreSnapshot inFlight;

        Checkpoints(final KeyedStateStore store, final boolean enabled)
        {
            this.store = store;
            this.enabled = enabled;
            if (enabled)
            {
                store.prepareForCheckpoints();
            }
        }

        void poll()
        {
            if (enabled && System.nanoTime() - nextNs >= 0)
            {
                release();
                inFlight = store.snapshot(++checkpointId, false);
                nextNs = System.nanoTime() + 1_000_000_000L;
            }
        }

        void release()
        {
            if (null != inFlight)
            {
                inFlight.release();
                inFlight = null;
            }
        }
    }

    private static long gcd(final long a, final long b)
    {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Counters at the start of a million operations. */
    private static final class Phase
    {
        final String name;
        final long startNs = System.nanoTime();
        final long majorFaults = statField(9);
        final long cpuTicks = statField(11) + statField(12);
        final long writeBytes = ioField("write_bytes");
        final long readBytes = ioField("read_bytes");

        Phase(final String name)
        {
            this.name = name;
        }

        Phase report(final KeyedStateStore store, final long done)
        {
            final long ns = System.nanoTime() - startNs;
            final long ticks = statField(11) + statField(12) - cpuTicks;
            System.out.printf("%s %,d: %,d ops/s, CPU %.1f us/op (%,d ops per CPU-second), major faults %,d, " +
                "read %,d MB, written %,d MB, used %,d MB%n",
                name, done, (long)(1e9 * 1_000_000 / ns), ticks * 10_000.0 / 1_000_000,
                ticks == 0 ? 0 : 1_000_000L * 100 / ticks, statField(9) - majorFaults,
                (ioField("read_bytes") - readBytes) >> 20, (ioField("write_bytes") - writeBytes) >> 20,
                store.sizeBytes() >> 20);
            return new Phase(name);
        }

        /** Field {@code index} (0 = state) after the command of /proc/self/stat: 9 majflt, 11 utime, 12 stime. */
        static long statField(final int index)
        {
            try
            {
                final String stat = Files.readString(Path.of("/proc/self/stat"));
                return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[index]);
            }
            catch (final Exception ex)
            {
                return -1;
            }
        }

        static long ioField(final String field)
        {
            try
            {
                for (final String line : Files.readAllLines(Path.of("/proc/self/io")))
                {
                    if (line.startsWith(field + ":"))
                    {
                        return Long.parseLong(line.substring(field.length() + 1).trim());
                    }
                }
            }
            catch (final Exception ex)
            {
                return -1;
            }
            return -1;
        }
    }
}
