package io.weir.jmh;

import io.weir.engine.runtime.TimerQueue;
import io.weir.engine.state.KeyContext;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A shard's event-time {@link TimerQueue} in the reference jobs' steady states, {@code timers} timers live (one per
 * key, 8-byte keys, as a shard of the dedup or session job holds), each operation one event's timer work:
 * <ul>
 *   <li>{@code registerAndFire}: register a timer one horizon after the event's time, with up to 5 s of disorder
 *       (dedup: a new id's expiry), and fire the timers that are now due: the timestamps advance by
 *       {@code horizon / timers} per event so that the live count stays at {@code timers}.</li>
 *   <li>{@code moveTimer}: delete a live key's timer and register it later (a session extended by its next
 *       event), keys picked at random.</li>
 * </ul>
 * Each operation's timestamps and keys come from arrays filled at set-up, so the loop measures the queue alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class TimerQueueBenchmark
{
    private static final int PLAN = 1 << 20;
    private static final long HORIZON_MS = 60_000;

    @Param({"10000", "100000", "1000000"})
    public int timers;

    private final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
    private final KeyContext keyContext = new KeyContext(64);
    private final long[] disorder = new long[PLAN];
    private final int[] movedKeys = new int[PLAN];
    private TimerQueue queue;
    private double step;
    private long nextKey;
    private long events;
    private long[] timestampOf;

    @Setup(Level.Trial)
    public void setUp()
    {
        JvmFlags.check();
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < PLAN; i++)
        {
            disorder[i] = random.nextLong(5_000);
            movedKeys[i] = random.nextInt(timers);
        }
        step = (double)HORIZON_MS / timers;
        queue = new TimerQueue(1024, 16);
        timestampOf = new long[timers];
        for (int i = 0; i < timers; i++)
        {
            final long timestamp = HORIZON_MS + (long)(i * step) + disorder[i & (PLAN - 1)];
            timestampOf[i] = timestamp;
            queue.add(timestamp, 0, 0, key(i), 8);
        }
        nextKey = timers;
        events = timers;
    }

    private UnsafeBuffer key(final long k)
    {
        key.putLong(0, k, ByteOrder.BIG_ENDIAN);
        return key;
    }

    @Benchmark
    public int registerAndFire()
    {
        final long now = (long)(events * step);
        final long k = nextKey++;
        queue.add(now + HORIZON_MS + disorder[(int)(events & (PLAN - 1))], 0, 0, key(k), 8);
        events++;
        int fired = 0;
        while (queue.pollDue(now, keyContext))
        {
            fired++;
        }
        return fired;
    }

    @Benchmark
    public boolean moveTimer()
    {
        final int k = movedKeys[(int)(events++ & (PLAN - 1))];
        final long from = timestampOf[k];
        final long to = from + 1 + disorder[k & (PLAN - 1)];
        queue.remove(from, 0, key(k), 8);
        timestampOf[k] = to;
        return queue.add(to, 0, 0, key(k), 8);
    }
}
