package io.weir.jmh;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.Control;

import java.util.concurrent.TimeUnit;

/**
 * Agrona {@link OneToOneRingBuffer}, the producer-to-shard channel, with 56-byte messages (an event record:
 * 24-byte header, 8-byte key, 24-byte payload).
 * <ul>
 *   <li>{@code handoff}: a producer thread writes and a consumer thread reads one message per call; each
 *       side's throughput is reported (they agree at steady state). Both threads spin: on a 2-core machine
 *       JIT, GC and other processes preempt one of them, so expect run-to-run spread.</li>
 *   <li>{@code writeThenRead}: one thread writes one message and reads it back: the uncontended cost of the
 *       claim/commit/read protocol without cache-line transfer between cores.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class RingBufferBenchmark
{
    static final int MESSAGE_TYPE = 1;
    static final int MESSAGE_LENGTH = 56;

    @State(Scope.Group)
    public static class Ring
    {
        @Param({"65536", "1048576"})
        public int capacity;

        OneToOneRingBuffer ring;

        @Setup(Level.Trial)
        public void setUp()
        {
            JvmFlags.check();
            ring = newRing(capacity);
        }
    }

    @State(Scope.Thread)
    public static class ProducerState
    {
        UnsafeBuffer message;
        long sequence;

        @Setup(Level.Trial)
        public void setUp()
        {
            JvmFlags.check(); // before the first Agrona buffer: field initializers would run before any check
            message = new UnsafeBuffer(new byte[MESSAGE_LENGTH]);
        }
    }

    @State(Scope.Thread)
    public static class ConsumerState implements MessageHandler
    {
        long lastSequence;

        public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
            final int length)
        {
            lastSequence = buffer.getLong(index);
        }
    }

    /** Single-thread ring for {@code writeThenRead}. */
    @State(Scope.Thread)
    public static class LocalRing implements MessageHandler
    {
        @Param({"65536", "1048576"})
        public int capacity;

        OneToOneRingBuffer ring;
        UnsafeBuffer message;
        long sequence;
        long lastSequence;

        @Setup(Level.Trial)
        public void setUp()
        {
            JvmFlags.check();
            ring = newRing(capacity);
            message = new UnsafeBuffer(new byte[MESSAGE_LENGTH]);
        }

        public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
            final int length)
        {
            lastSequence = buffer.getLong(index);
        }
    }

    static OneToOneRingBuffer newRing(final int capacity)
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64)));
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public boolean produce(final Ring ring, final ProducerState producer, final Control control)
    {
        final DirectBuffer message = producer.message;
        producer.message.putLong(0, ++producer.sequence);
        while (!ring.ring.write(MESSAGE_TYPE, message, 0, MESSAGE_LENGTH))
        {
            if (control.stopMeasurement)
            {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public long consume(final Ring ring, final ConsumerState consumer, final Control control)
    {
        while (ring.ring.read(consumer, 1) == 0)
        {
            if (control.stopMeasurement)
            {
                break;
            }
            Thread.onSpinWait();
        }
        return consumer.lastSequence;
    }

    @Benchmark
    public void writeThenRead(final LocalRing local, final Blackhole bh)
    {
        local.message.putLong(0, ++local.sequence);
        bh.consume(local.ring.write(MESSAGE_TYPE, local.message, 0, MESSAGE_LENGTH));
        bh.consume(local.ring.read(local, 1));
        bh.consume(local.lastSequence);
    }
}
