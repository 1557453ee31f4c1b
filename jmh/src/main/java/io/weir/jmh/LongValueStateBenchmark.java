package io.weir.jmh;

import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.runtime.KeyGroups;
import io.weir.engine.state.KeyContext;
import io.weir.engine.state.KeyedStateRegistry;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.BufferUtil;
import org.agrona.concurrent.SystemEpochClock;
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

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The real per-event state path of a keyed function: {@link KeyContext#setCurrentKey} (as the shard does for
 * every element) followed by {@link LongValueState#valueOr} and {@link LongValueState#update} (a rolling sum),
 * through {@link KeyedStateRegistry}'s view over each backend's store. Keys are random over a pre-filled set.
 * <p>
 * Run with {@code -prof gc}: chronicle and lmdb must show ~0 B/op. The heap backend is the reference model
 * (it copies keys and values into on-heap arrays) and allocates by design.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class LongValueStateBenchmark
{
    @Param({"10000", "1000000"})
    public int keys;

    @Param({"heap", "chronicle", "lmdb"})
    public String backend;

    private Path dir;
    private KeyedStateStore store;
    private KeyContext keyContext;
    private LongValueState sum;
    private UnsafeBuffer userKey;
    private Keys random;

    @Setup(Level.Trial)
    public void setUp()
    {
        JvmFlags.check();
        dir = "lmdb".equals(backend) ? TempDirs.create("weir-jmh-lmdb-") : null;
        store = Backends.create(backend, keys, dir).createStore(0, keys);
        keyContext = new KeyContext(64);
        final KeyedStateRegistry registry = new KeyedStateRegistry(store, keyContext, SystemEpochClock.INSTANCE);
        sum = registry.getLongState(new LongValueStateDescriptor("sum"));
        userKey = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 8));
        for (long key = 0; key < keys; key++)
        {
            setKey(key);
            sum.update(key);
        }
        random = new Keys(keys, 7);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            if (store != null)
            {
                store.close();
            }
        }
        finally
        {
            TempDirs.delete(dir);
        }
    }

    /** What a shard does per element before calling the user function: serialize the key, make it current. */
    private void setKey(final long key)
    {
        userKey.putLong(0, key, ByteOrder.BIG_ENDIAN);
        final int keyGroup = KeyGroups.keyGroup(userKey, 0, Long.BYTES, KeyGroups.DEFAULT_MAX_PARALLELISM);
        keyContext.setCurrentKey(userKey, 0, Long.BYTES, keyGroup);
    }

    @Benchmark
    public long valueOrThenUpdate()
    {
        setKey(random.next());
        final long updated = sum.valueOr(0) + 1;
        sum.update(updated);
        return updated;
    }

    @Benchmark
    public long valueOr()
    {
        setKey(random.next());
        return sum.valueOr(0);
    }
}
