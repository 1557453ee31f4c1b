package io.weir.engine.runtime;

import io.weir.api.connector.SinkWriter;
import io.weir.api.connector.TransactionalSinkWriter;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;

import java.util.List;

/**
 * Where the results of one stage instance go: sink writers, and the channels into the next stages' input gates.
 * It forwards what the stage's input gate decided: a watermark after the timers it fired, a barrier after the
 * stage's snapshot point, the end of input after the last timers. Channels to other threads are
 * {@link ChannelOutput}s, which buffer what a full ring refuses rather than block or spin inside {@code collect};
 * while any has a backlog ({@link #hasBacklog()}), the stage reads no input, so back-pressure travels upstream.
 * <p>
 * Created on the wiring thread, then used only by the thread that runs the stage instance.
 */
public final class OutputGate<O>
{
    private final Collector<O> main;
    private final OutputTag<?>[] sideTags;
    private final Collector<?>[] sideOutputs;
    private final io.weir.api.connector.SinkWriter<?>[] sinks;
    private final ChannelOutput[] channels;
    private final boolean transactional;
    /** Whether a side output nobody reads is dropped (a dataflow, as Flink) rather than refused (a job builder). */
    private final boolean dropUnreadSideOutputs;

    /**
     * @param main        where the stage's main output goes (a sink writer, the chained operators, a channel).
     * @param sideTags    the side outputs' tags, in the order of {@code sideOutputs}.
     * @param sideOutputs where each side output goes.
     * @param sinks       every sink writer reached from this gate: flushed at end of input, pre-committed at a
     *                    snapshot point, closed with the stage.
     * @param channels    every channel into another stage reached from this gate.
     * @param dropUnreadSideOutputs whether a side output with a tag not in {@code sideTags} is dropped (else refused).
     */
    public OutputGate(
        final Collector<O> main,
        final OutputTag<?>[] sideTags,
        final Collector<?>[] sideOutputs,
        final io.weir.api.connector.SinkWriter<?>[] sinks,
        final ChannelOutput[] channels,
        final boolean dropUnreadSideOutputs)
    {
        this.dropUnreadSideOutputs = dropUnreadSideOutputs;
        if (sideTags.length != sideOutputs.length)
        {
            throw new IllegalArgumentException(sideTags.length + " side output tags but " + sideOutputs.length +
                " side outputs");
        }
        this.main = main;
        this.sideTags = sideTags;
        this.sideOutputs = sideOutputs;
        this.sinks = sinks;
        this.channels = channels;
        boolean anyTransactional = false;
        for (final io.weir.api.connector.SinkWriter<?> sink : sinks)
        {
            anyTransactional |= sink instanceof TransactionalSinkWriter;
        }
        this.transactional = anyTransactional;
    }

    /** An output gate to sink writers only. */
    public static <O> OutputGate<O> toSinks(
        final SinkWriter<O> main, final OutputTag<?>[] sideTags, final SinkWriter<?>[] sideOutputs)
    {
        final SinkWriter<?>[] sinks = new SinkWriter<?>[1 + sideOutputs.length];
        sinks[0] = main;
        System.arraycopy(sideOutputs, 0, sinks, 1, sideOutputs.length);
        return new OutputGate<>(main, sideTags, sideOutputs, sinks, new ChannelOutput[0], false);
    }

    /** The collector handed to the stage's function for its main output. */
    Collector<O> main()
    {
        return main;
    }

    /** Emit {@code value} to the side output {@code tag}. */
    @SuppressWarnings("unchecked")
    <X> void side(final OutputTag<X> tag, final X value)
    {
        final OutputTag<?>[] tags = sideTags;
        for (int i = 0; i < tags.length; i++)
        {
            if (tags[i] == tag)
            {
                ((Collector<X>)sideOutputs[i]).collect(value);
                return;
            }
        }
        if (!dropUnreadSideOutputs)
        {
            throw new IllegalArgumentException("side output " + tag + " was not declared on the job builder");
        }
    }

    /** The stage's watermark advanced and the timers it made due have fired. */
    void onWatermark(final long watermark)
    {
        for (final ChannelOutput channel : channels)
        {
            channel.emitWatermark(watermark);
        }
    }

    /** End of a duty cycle: send the watermark to the channels that have not seen it. */
    void flush()
    {
        for (final ChannelOutput channel : channels)
        {
            channel.flush();
        }
    }

    /** Every input of the stage is idle: so is every channel it sends on, until it sends a record or watermark. */
    void onIdle()
    {
        for (final ChannelOutput channel : channels)
        {
            channel.markIdle();
        }
    }

    /** The stage took its snapshot point for {@code checkpointId}: the barrier goes on, behind its output. */
    void onBarrier(final long checkpointId, final int flags)
    {
        for (final ChannelOutput channel : channels)
        {
            channel.emitBarrier(checkpointId, flags);
        }
    }

    /** The stage fired its last timers: flush the sinks and end every channel. */
    void onEndOfInput()
    {
        for (final io.weir.api.connector.SinkWriter<?> sink : sinks)
        {
            sink.onEndOfInput();
        }
        for (final ChannelOutput channel : channels)
        {
            channel.endOfInput();
        }
    }

    /** Whether any channel holds records a full ring refused: the stage must not read input until they drain. */
    boolean hasBacklog()
    {
        for (final ChannelOutput channel : channels)
        {
            if (channel.hasBacklog())
            {
                return true;
            }
        }
        return false;
    }

    /** Move backlogged records into their rings as far as they have room; returns records moved. */
    int drain()
    {
        int moved = 0;
        for (final ChannelOutput channel : channels)
        {
            moved += channel.drain();
        }
        return moved;
    }

    /** Whether any sink takes part in two-phase commit. */
    boolean isTransactional()
    {
        return transactional;
    }

    /** At the snapshot point: each transactional sink hands its output to the OS and reports its length. */
    void preCommit(final List<TransactionalSinkWriter.PartPosition> parts)
    {
        for (final io.weir.api.connector.SinkWriter<?> sink : sinks)
        {
            if (sink instanceof TransactionalSinkWriter)
            {
                parts.add(((TransactionalSinkWriter<?>)sink).preCommit());
            }
        }
    }

    int sinkCount()
    {
        return sinks.length;
    }

    /** Close every sink writer; failures go to {@code status}, and every writer is closed. */
    void close(final JobStatus status)
    {
        for (final io.weir.api.connector.SinkWriter<?> sink : sinks)
        {
            try
            {
                sink.close();
            }
            catch (final Throwable ex)
            {
                status.fail(ex);
            }
        }
    }
}
