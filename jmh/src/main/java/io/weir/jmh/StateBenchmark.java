package io.weir.jmh;

import io.weir.state.lmdb.LmdbStateBackend;
import io.weir.state.offheap.ChronicleStateBackend;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.BufferUtil;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;

import static io.weir.engine.runtime.KeyGroups.DEFAULT_MAX_PARALLELISM;

/**
 * Raw per-operation cost of the key-value stores under Weir's state: get, put (overwrite) and update
 * (read-modify-write of a long) of random keys drawn from a pre-filled set of {@code keys} long keys.
 * <p>
 * {@code hashmap} (java.util.HashMap&lt;Long, Long&gt;) and {@code agrona} (Long2LongHashMap) are the on-heap
 * references; {@code chronicle} and {@code lmdb} go through the state SPI ({@link KeyedStateStore}) with the
 * engine's composite key layout around an 8-byte user key (14-byte keys, 8-byte values), as the engine's
 * {@code LongValueState} calls them minus the view's own work (see {@link LongValueStateBenchmark}).
 * <p>
 * Pre-filling 10M keys takes tens of seconds for chronicle and lmdb; the fill is per trial, not measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class StateBenchmark
{
    @Param({"10000", "1000000", "10000000"})
    public int keys;

    @Param({"hashmap", "agrona", "chronicle", "lmdb"})
    public String store;

    private LongStore longStore;
    private Keys random;

    @Setup(Level.Trial)
    public void setUp()
    {
        JvmFlags.check();
        longStore = switch (store)
        {
            case "hashmap" -> new HashMapStore(keys);
            case "agrona" -> new AgronaStore(keys);
            case "chronicle" -> new SpiStore(new ChronicleStateBackend(new ChronicleStateBackend.Context()
                .entriesPerShard(keys)
                .averageKeySizeBytes(StateKeyDescriptor.KEY_OFFSET + Long.BYTES)
                .averageValueSizeBytes(Long.BYTES)).createStore(0, keys), null);
            case "lmdb" ->
            {
                final Path dir = TempDirs.create("weir-jmh-lmdb-");
                yield new SpiStore(LmdbStateBackend.create(dir).createStore(0, keys), dir);
            }
            default -> throw new IllegalArgumentException("unknown store: " + store);
        };
        for (long key = 0; key < keys; key++)
        {
            longStore.put(key, key);
        }
        random = new Keys(keys, 42);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (longStore != null)
        {
            longStore.close();
        }
    }

    @Benchmark
    public long get()
    {
        return longStore.get(random.next());
    }

    @Benchmark
    public void put(final Blackhole bh)
    {
        final long key = random.next();
        longStore.put(key, key + 1);
        bh.consume(key);
    }

    @Benchmark
    public long update()
    {
        final long key = random.next();
        final long value = longStore.get(key) + 1;
        longStore.put(key, value);
        return value;
    }

    /** The operations under test; one implementation per fork, so calls stay monomorphic. */
    interface LongStore
    {
        /** @return the value, or -1 when absent. */
        long get(long key);

        void put(long key, long value);

        void close();
    }

    static final class HashMapStore implements LongStore
    {
        private final HashMap<Long, Long> map;

        HashMapStore(final int keys)
        {
            map = new HashMap<>((int)Math.min(Integer.MAX_VALUE, keys * 4L / 3 + 1));
        }

        public long get(final long key)
        {
            final Long value = map.get(key);
            return value == null ? -1 : value;
        }

        public void put(final long key, final long value)
        {
            map.put(key, value);
        }

        public void close()
        {
            map.clear();
        }
    }

    static final class AgronaStore implements LongStore
    {
        private final Long2LongHashMap map;

        AgronaStore(final int keys)
        {
            map = new Long2LongHashMap((int)Math.min(1 << 30, keys * 2L), 0.65f, -1);
        }

        public long get(final long key)
        {
            return map.get(key);
        }

        public void put(final long key, final long value)
        {
            map.put(key, value);
        }

        public void close()
        {
            map.clear();
        }
    }

    /** A {@link KeyedStateStore} addressed like the engine does: composite key, 8 big-endian value bytes. */
    static final class SpiStore implements LongStore
    {
        private static final int STATE_ID = 1;
        private static final int KEY_LENGTH = StateKeyDescriptor.KEY_OFFSET + Long.BYTES;

        private final KeyedStateStore store;
        private final Path dir;
        /** Direct (off-heap) scratch buffers: LMDB hands them to native code by address. */
        private final UnsafeBuffer keyBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 8));
        private final UnsafeBuffer valueBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 8));

        SpiStore(final KeyedStateStore store, final Path dir)
        {
            this.store = store;
            this.dir = dir;
            keyBuffer.putShort(StateKeyDescriptor.STATE_ID_OFFSET, (short)STATE_ID, ByteOrder.BIG_ENDIAN);
            keyBuffer.putShort(StateKeyDescriptor.KEY_LENGTH_OFFSET, (short)Long.BYTES, ByteOrder.BIG_ENDIAN);
        }

        private void key(final long key)
        {
            // Key group as the engine derives it from the key's hash; cheap next to any store operation.
            final int keyGroup = (int)Long.remainderUnsigned(io.weir.engine.runtime.KeyGroups.mix(key),
                DEFAULT_MAX_PARALLELISM);
            keyBuffer.putShort(StateKeyDescriptor.KEY_GROUP_OFFSET, (short)keyGroup, ByteOrder.BIG_ENDIAN);
            keyBuffer.putLong(StateKeyDescriptor.KEY_OFFSET, key, ByteOrder.BIG_ENDIAN);
        }

        public long get(final long key)
        {
            key(key);
            final int length = store.get(keyBuffer, KEY_LENGTH, valueBuffer);
            return length == KeyedStateStore.MISSING ? -1 : valueBuffer.getLong(0, ByteOrder.BIG_ENDIAN);
        }

        public void put(final long key, final long value)
        {
            key(key);
            valueBuffer.putLong(0, value, ByteOrder.BIG_ENDIAN);
            store.put(keyBuffer, KEY_LENGTH, valueBuffer, 0, Long.BYTES);
        }

        public void close()
        {
            try
            {
                store.close();
            }
            finally
            {
                TempDirs.delete(dir);
            }
        }
    }
}
