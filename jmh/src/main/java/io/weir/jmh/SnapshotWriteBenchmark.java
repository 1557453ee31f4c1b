package io.weir.jmh;

import io.weir.engine.runtime.KeyGroups;
import io.weir.snapshot.SnapshotFileResult;
import io.weir.snapshot.SnapshotFileWriter;
import io.weir.snapshot.SnapshotHeader;
import io.weir.state.offheap.ChronicleStateBackend;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
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
import java.util.concurrent.TimeUnit;

/**
 * Writing one FULL snapshot file of {@code entries} entries (16-byte composite keys, 8-byte values) with
 * {@link SnapshotFileWriter}, including its fsync and atomic rename, into a temp directory
 * ({@code java.io.tmpdir}: point it at the checkpoint disk to measure that disk).
 * <p>
 * {@code source=generated} feeds the writer from a loop (the writer alone); {@code source=chronicle} takes a
 * full {@link StoreSnapshot} of a pre-filled Chronicle store and writes it through {@code forEach}, as the
 * checkpoint coordinator does. Scores are snapshots per second; the {@code bytes} and {@code megabytes} aux
 * counters are reported per second too, i.e. write throughput in B/s and MB/s (10^6 bytes).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class SnapshotWriteBenchmark
{
    private static final int MAX_PARALLELISM = KeyGroups.DEFAULT_MAX_PARALLELISM;
    private static final int STATE_ID = 1;
    /** User key bytes inside the 16-byte composite key (6-byte header). */
    private static final int USER_KEY_LENGTH = 16 - StateKeyDescriptor.KEY_OFFSET;
    private static final int KEY_LENGTH = StateKeyDescriptor.KEY_OFFSET + USER_KEY_LENGTH;

    @Param({"100000", "1000000"})
    public int entries;

    @Param({"generated", "chronicle"})
    public String source;

    private Path dir;
    private Path file;
    private KeyedStateStore store;
    private UnsafeBuffer key;
    private UnsafeBuffer value;
    private long checkpointId;

    /** Bytes written, reported as a rate like the primary score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Written
    {
        public long bytes;

        public double megabytes()
        {
            return bytes / 1e6;
        }

        @Setup(Level.Iteration)
        public void reset()
        {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        JvmFlags.check();
        dir = TempDirs.create("weir-jmh-snapshot-");
        file = dir.resolve("shard-0.full");
        key = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 8));
        value = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 8));
        key.putShort(StateKeyDescriptor.STATE_ID_OFFSET, (short)STATE_ID, ByteOrder.BIG_ENDIAN);
        key.putShort(StateKeyDescriptor.KEY_LENGTH_OFFSET, (short)USER_KEY_LENGTH, ByteOrder.BIG_ENDIAN);
        if ("chronicle".equals(source))
        {
            store = new ChronicleStateBackend(new ChronicleStateBackend.Context()
                .entriesPerShard(entries)
                .averageKeySizeBytes(KEY_LENGTH)
                .averageValueSizeBytes(Long.BYTES)).createStore(0, entries);
            for (int i = 0; i < entries; i++)
            {
                entry(i);
                store.put(key, KEY_LENGTH, value, 0, Long.BYTES);
            }
        }
        else if (!"generated".equals(source))
        {
            throw new IllegalArgumentException("unknown source: " + source);
        }
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

    /** Fill {@link #key} and {@link #value} with entry {@code i}; returns its key group. */
    private int entry(final long i)
    {
        final int keyGroup = (int)Long.remainderUnsigned(KeyGroups.mix(i), MAX_PARALLELISM);
        key.putShort(StateKeyDescriptor.KEY_GROUP_OFFSET, (short)keyGroup, ByteOrder.BIG_ENDIAN);
        key.putLong(StateKeyDescriptor.KEY_OFFSET, i, ByteOrder.BIG_ENDIAN);
        key.putShort(StateKeyDescriptor.KEY_OFFSET + Long.BYTES, (short)i, ByteOrder.BIG_ENDIAN);
        value.putLong(0, i * 31, ByteOrder.BIG_ENDIAN);
        return keyGroup;
    }

    @Benchmark
    public void writeFullSnapshot(final Written written, final Blackhole bh)
    {
        final long id = ++checkpointId;
        final SnapshotFileResult result;
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(file,
            SnapshotHeader.full("chronicle", 0, 0, MAX_PARALLELISM - 1, MAX_PARALLELISM, id, id)))
        {
            if (store == null)
            {
                for (int i = 0; i < entries; i++)
                {
                    final int keyGroup = entry(i);
                    writer.put(keyGroup, key, 0, KEY_LENGTH, value, 0, Long.BYTES);
                }
            }
            else
            {
                final StoreSnapshot snapshot = store.snapshot(id, true);
                try
                {
                    snapshot.forEach((k, keyLength, v, valueLength) -> writer.put(
                        StateKeyDescriptor.keyGroup(k), k, 0, keyLength, v, 0, valueLength));
                }
                finally
                {
                    snapshot.release();
                }
            }
            result = writer.finish();
        }
        if (result.entryCount() != entries)
        {
            throw new IllegalStateException("wrote " + result.entryCount() + " entries, expected " + entries);
        }
        written.bytes += result.sizeBytes();
        bh.consume(result);
    }
}
