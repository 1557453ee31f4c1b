package io.weir.engine.runtime;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import java.util.Arrays;

/**
 * The input of one stage instance: one single-producer ring per upstream channel (a producer, or an upstream
 * stage instance), read in a fixed, fair order. It tracks each channel's watermark and end of input and aligns
 * checkpoint barriers, handing the stage's {@link Handler} events, the advances of its watermark (the minimum
 * over its channels; an ended channel counts as {@code +inf}), and each aligned barrier. A channel whose barrier
 * arrived is not read until every other channel's has, or has ended (ended channels count as aligned).
 * <p>
 * Each channel belongs to an input of the stage ({@link #currentInput()}): 0, or 1 for the second input of a
 * two-input operator.
 * <p>
 * A producer's channel can go idle ({@link #idleTimeout}): when its producer offered nothing for the timeout, the
 * channel is left out of the minimum until it is active again and its watermark has caught up with the gate's
 * (Flink's idleness and watermark alignment); while every channel is idle the watermark stays. An upstream stage
 * instance whose own inputs are all idle says so with an IDLE message ({@link RecordDescriptor}): its channel is
 * idle until its next event or watermark (Flink's WatermarkStatus). When every open channel is idle the gate tells
 * the stage ({@link Handler#onIdle}), which passes it on downstream.
 * <p>
 * An upstream stage instance on the same thread hands over its messages by a method call ({@link #deliver})
 * rather than through its channel's ring whenever that keeps the channel's order and alignment
 * ({@link #acceptsDirect}); the channel counts in the watermark and in barrier alignment all the same.
 * <p>
 * Called from the thread that runs the stage instance only, except {@link #rings()} (read by counters).
 */
public final class InputGate
{
    /** What the gate hands the stage, on the stage's thread. */
    interface Handler
    {
        /** An event record ({@link RecordDescriptor}); its channel's watermark has been applied. */
        void onEvent(DirectBuffer buffer, int index, int length);

        /** The gate's watermark advanced to {@code watermark}. */
        void onWatermark(long watermark);

        /** Barrier {@code checkpointId} arrived on every channel that has not ended. */
        void onBarrierAligned(long checkpointId, int flags);

        /**
         * Every channel that has not ended went idle (and not every channel ended): the stage's outputs go idle
         * too. Said again only after a channel was active in between.
         */
        void onIdle();
    }

    /**
     * Lets the stage prefetch the state of the keys of the events a read step is about to hand it, so that their
     * cache misses overlap.
     */
    interface PrefetchHook
    {
        /** Writes the ids of the states whose keys to prefetch into {@code ids}; returns how many. */
        int prefetchStates(int[] ids);

        void prefetch(DirectBuffer keys, int stride, int[] lengths, int count);
    }

    /** How many elements a producer has offered; read from the stage's thread. */
    public interface SourceActivity
    {
        long elementsOffered();
    }

    /**
     * States whose keys a step prefetches, at most. Each one costs a hash-slot load per event whether or not the
     * event's function reads it; five cover a function keeping a few values, a list and a map per key.
     */
    static final int MAX_PREFETCH_STATES = 5;

    private final String name;
    private final OneToOneRingBuffer[] rings;
    private final int[] channelInputs;
    private final long[] watermarks;
    private final boolean[] ended;
    private final boolean[] atBarrier;
    private final int readBatchLimit;
    private final Handler handler;
    private final ControlledMessageHandler messageHandler = this::onMessage;
    /** Null without prefetch. */
    private final EventLookahead lookahead;
    private final PrefetchHook prefetchHook;
    private final int prefetchEvents;
    private final int[] prefetchStateIds = new int[MAX_PREFETCH_STATES];

    private int currentChannel;
    private long watermark = Long.MIN_VALUE;
    private int endedChannels;
    private int channelsAtBarrier;
    private long pendingBarrierId = -1;
    private int pendingBarrierFlags;
    private long lastBarrierId = -1;
    /** The last read ended at a barrier or the end of input, as {@code controlledRead} does. */
    private boolean readBroken;
    /** Idleness per channel; all null when no channel can go idle. */
    private SourceActivity[] activities;
    private long[] idleTimeoutsMs;
    private long[] lastActivity;
    private long[] lastActiveMs;
    private boolean[] idle;
    /** A channel back from idleness counts again once its watermark reached the gate's. */
    private boolean[] aligned;
    /** Every open channel is idle, and the stage was told. */
    private boolean allIdle;

    /**
     * @param name          names the stage instance in error messages.
     * @param ringBuffers   one ring per channel.
     * @param channelInputs the input each channel belongs to; null when all belong to input 0.
     * @param prefetchHook  null for no prefetch.
     */
    InputGate(
        final String name,
        final AtomicBuffer[] ringBuffers,
        final int[] channelInputs,
        final int readBatchLimit,
        final Handler handler,
        final PrefetchHook prefetchHook,
        final int prefetchEvents)
    {
        this.name = name;
        this.rings = new OneToOneRingBuffer[ringBuffers.length];
        for (int i = 0; i < ringBuffers.length; i++)
        {
            rings[i] = new OneToOneRingBuffer(ringBuffers[i]);
        }
        this.channelInputs = null == channelInputs ? new int[ringBuffers.length] : channelInputs.clone();
        if (this.channelInputs.length != rings.length)
        {
            throw new IllegalArgumentException(name + ": " + rings.length + " channels but " +
                this.channelInputs.length + " channel inputs");
        }
        this.watermarks = new long[rings.length];
        Arrays.fill(watermarks, Long.MIN_VALUE);
        this.ended = new boolean[rings.length];
        this.atBarrier = new boolean[rings.length];
        this.readBatchLimit = readBatchLimit;
        this.handler = handler;
        this.prefetchHook = prefetchEvents > 0 ? prefetchHook : null;
        this.prefetchEvents = prefetchEvents;
        this.lookahead = null == this.prefetchHook ? null : new EventLookahead(
            io.weir.state.spi.KeyedStateStore.MAX_PREFETCH_KEYS);
    }

    /**
     * Read a bounded batch from every channel that is neither ended nor waiting at a barrier.
     *
     * @return messages read.
     */
    int read()
    {
        int work = 0;
        for (int c = 0; c < rings.length; c++)
        {
            if (!ended[c] && !atBarrier[c])
            {
                currentChannel = c;
                work += null == lookahead ?
                    rings[c].controlledRead(messageHandler, readBatchLimit) : readWithLookahead(c);
            }
        }
        return work;
    }

    /**
     * Whether a message of {@code channel} may be handed over by {@link #deliver} now, skipping its ring: the
     * channel has not ended, is not held at a barrier while the gate aligns, and no channel it may read has input
     * waiting (so nothing handed over overtakes what was sent before it through this channel's ring, nor what
     * other channels delivered before it, which also keeps the channels' turns fair). Called by the sender on the
     * same thread.
     */
    boolean acceptsDirect(final int channel)
    {
        return !ended[channel] && !atBarrier[channel] && !inputPending();
    }

    /**
     * Handle a message of {@code channel} by a method call, as if read from its ring ({@link RecordDescriptor});
     * only when {@link #acceptsDirect} said so, by an upstream stage instance on the same thread (never from
     * within this gate's own {@link #read}).
     */
    void deliver(final int channel, final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        currentChannel = channel;
        onMessage(msgTypeId, buffer, index, length);
    }

    /** The channel whose ring is {@code buffer}; -1 if none. */
    public int channelOf(final AtomicBuffer buffer)
    {
        for (int c = 0; c < rings.length; c++)
        {
            if (rings[c].buffer() == buffer)
            {
                return c;
            }
        }
        return -1;
    }

    /**
     * Let {@code channel} go idle when {@code activity} has not changed for {@code timeoutMs}, as
     * {@link #checkIdleness} sees it. Called before the first read.
     */
    void idleTimeout(final int channel, final SourceActivity activity, final long timeoutMs)
    {
        if (null == activities)
        {
            activities = new SourceActivity[rings.length];
            idleTimeoutsMs = new long[rings.length];
            lastActivity = new long[rings.length];
            Arrays.fill(lastActivity, -1);
            lastActiveMs = new long[rings.length];
            trackIdleness();
        }
        activities[channel] = activity;
        idleTimeoutsMs[channel] = timeoutMs;
    }

    /** From now on, channels can be idle; the rest of the time the watermark path looks at no idleness. */
    private void trackIdleness()
    {
        if (null == idle)
        {
            idle = new boolean[rings.length];
            aligned = new boolean[rings.length];
            Arrays.fill(aligned, true);
        }
    }

    /**
     * Mark idle the channels whose producers offered nothing for their timeout, and active again those that
     * offered since; the watermark advances if an idle channel held it back.
     *
     * @param nowMs the stage thread's clock.
     * @return the number of channels that went idle.
     */
    int checkIdleness(final long nowMs)
    {
        if (null == activities)
        {
            return 0;
        }
        int wentIdle = 0;
        for (int c = 0; c < rings.length; c++)
        {
            if (null == activities[c] || ended[c])
            {
                continue;
            }
            final long activity = activities[c].elementsOffered();
            // unread input is not idleness: a back-pressured producer offers nothing because this gate is slow
            if (activity != lastActivity[c] || rings[c].producerPosition() != rings[c].consumerPosition())
            {
                lastActivity[c] = activity;
                lastActiveMs[c] = nowMs;
                if (idle[c])
                {
                    idle[c] = false;
                    allIdle = false;
                }
            }
            else if (!idle[c] && nowMs - lastActiveMs[c] >= idleTimeoutsMs[c])
            {
                idle[c] = true;
                aligned[c] = false;
                wentIdle++;
            }
        }
        if (wentIdle > 0)
        {
            advanceWatermark();
            checkAllIdle();
        }
        return wentIdle;
    }

    /** Whether {@code channel} is idle now. */
    boolean isIdle(final int channel)
    {
        return null != idle && idle[channel];
    }

    /** Whether a channel this gate reads from has something to read. */
    boolean inputPending()
    {
        for (int c = 0; c < rings.length; c++)
        {
            if (!ended[c] && !atBarrier[c] && rings[c].producerPosition() != rings[c].consumerPosition())
            {
                return true;
            }
        }
        return false;
    }

    /** Every channel's input ended. */
    boolean isEnded()
    {
        return endedChannels == rings.length;
    }

    /** The minimum of the channels' watermarks. */
    long watermark()
    {
        return watermark;
    }

    /** The channel of the message being handled. */
    int currentChannel()
    {
        return currentChannel;
    }

    /** The input (0, or 1 for a two-input operator's second) of the message being handled. */
    int currentInput()
    {
        return channelInputs[currentChannel];
    }

    int channels()
    {
        return rings.length;
    }

    OneToOneRingBuffer[] rings()
    {
        return rings;
    }

    /** Start every channel at a restored watermark (before the first read). */
    void restoreWatermark(final long restored)
    {
        Arrays.fill(watermarks, restored);
        watermark = restored;
    }

    /**
     * Read a batch as {@code controlledRead} does (up to {@link #readBatchLimit} messages, ending after a barrier or
     * the end of input), in steps of at most {@link #prefetchEvents}: before each step, the stage prefetches the
     * keys of the step's events. A step reads only the events whose keys it collected (all of them, unless they
     * outnumber the store's {@link io.weir.state.spi.KeyedStateStore#MAX_PREFETCH_KEYS}). Each step asks the stage
     * which states to prefetch; none (the stage has no state read under the key alone, or its store would load
     * nothing worth it now) reads the rest of the batch as is.
     */
    private int readWithLookahead(final int c)
    {
        final OneToOneRingBuffer ring = rings[c];
        int read = 0;
        int limit;
        int step;
        readBroken = false;
        do
        {
            final int stateCount = prefetchHook.prefetchStates(prefetchStateIds);
            if (0 == stateCount)
            {
                return read + ring.controlledRead(messageHandler, readBatchLimit - read);
            }
            limit = Math.min(prefetchEvents, readBatchLimit - read);
            final int keys = lookahead.collect(ring, limit, prefetchStateIds, stateCount);
            if (keys > 0)
            {
                prefetchHook.prefetch(lookahead.keys(), EventLookahead.KEY_STRIDE_BYTES, lookahead.lengths(), keys);
                // Only what was prefetched: events published since are read in the next step, with theirs.
                limit = Math.min(limit, lookahead.messages());
            }
            step = ring.controlledRead(messageHandler, limit);
            read += step;
        }
        while (step == limit && read < readBatchLimit && !readBroken);
        return read;
    }

    private ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        switch (msgTypeId)
        {
            case RecordDescriptor.EVENT_MSG_TYPE:
                onChannelWatermark(currentChannel, buffer.getLong(index + RecordDescriptor.WATERMARK_OFFSET));
                handler.onEvent(buffer, index, length);
                return ControlledMessageHandler.Action.CONTINUE;

            case RecordDescriptor.WATERMARK_MSG_TYPE:
                onChannelWatermark(currentChannel, buffer.getLong(index + RecordDescriptor.WATERMARK_OFFSET));
                return ControlledMessageHandler.Action.CONTINUE;

            case RecordDescriptor.BARRIER_MSG_TYPE:
                readBroken = true;
                onBarrier(
                    currentChannel,
                    buffer.getLong(index + RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET),
                    buffer.getInt(index + RecordDescriptor.BARRIER_FLAGS_OFFSET));
                return ControlledMessageHandler.Action.BREAK;

            case RecordDescriptor.IDLE_MSG_TYPE:
                onChannelIdle(currentChannel);
                return ControlledMessageHandler.Action.CONTINUE;

            case RecordDescriptor.END_OF_INPUT_MSG_TYPE:
                readBroken = true;
                onEndOfInput(currentChannel);
                return ControlledMessageHandler.Action.BREAK;

            default:
                throw new IllegalStateException(name + ": unknown message type " + msgTypeId + " on channel " +
                    currentChannel);
        }
    }

    private void onChannelWatermark(final int channel, final long channelWatermark)
    {
        if (null != idle && idle[channel])
        {
            idle[channel] = false; // a message: active again
            allIdle = false;
        }
        if (channelWatermark > watermarks[channel])
        {
            watermarks[channel] = channelWatermark;
            advanceWatermark();
        }
    }

    /** The upstream instance of {@code channel} said its inputs are all idle. */
    private void onChannelIdle(final int channel)
    {
        trackIdleness();
        if (!idle[channel] && !ended[channel])
        {
            idle[channel] = true;
            aligned[channel] = false;
            advanceWatermark();
            checkAllIdle();
        }
    }

    /** Tell the stage once every open channel is idle (not when every channel ended: that is the end of input). */
    private void checkAllIdle()
    {
        if (allIdle || endedChannels == rings.length)
        {
            return;
        }
        for (int c = 0; c < rings.length; c++)
        {
            if (!ended[c] && !idle[c])
            {
                return;
            }
        }
        allIdle = true;
        handler.onIdle();
    }

    /** The minimum over the channels that count: all, or with idleness the active, aligned ones. */
    private void advanceWatermark()
    {
        long min = Long.MAX_VALUE;
        boolean counted = false;
        for (int c = 0; c < watermarks.length; c++)
        {
            if (null != idle)
            {
                if (idle[c])
                {
                    continue;
                }
                if (!aligned[c])
                {
                    if (watermarks[c] < watermark)
                    {
                        continue;
                    }
                    aligned[c] = true;
                }
            }
            min = Math.min(min, watermarks[c]);
            counted = true;
        }
        if (counted && min > watermark)
        {
            watermark = min;
            handler.onWatermark(min);
        }
    }

    private void onEndOfInput(final int channel)
    {
        if (!ended[channel])
        {
            ended[channel] = true;
            endedChannels++;
            if (atBarrier[channel])
            {
                atBarrier[channel] = false;
                channelsAtBarrier--;
            }
            onChannelWatermark(channel, Long.MAX_VALUE);
            if (null != idle)
            {
                checkAllIdle();
            }
            checkBarrierAligned();
        }
    }

    private void onBarrier(final int channel, final long checkpointId, final int flags)
    {
        if (checkpointId <= lastBarrierId)
        {
            return;
        }
        if (pendingBarrierId != checkpointId)
        {
            if (channelsAtBarrier != 0)
            {
                throw new IllegalStateException(name + ": barrier " + checkpointId + " on channel " + channel +
                    " while barrier " + pendingBarrierId + " is still aligning");
            }
            pendingBarrierId = checkpointId;
            pendingBarrierFlags = flags;
        }
        if (!atBarrier[channel])
        {
            atBarrier[channel] = true;
            channelsAtBarrier++;
        }
        checkBarrierAligned();
    }

    private void checkBarrierAligned()
    {
        if (pendingBarrierId >= 0 && channelsAtBarrier + endedChannels == rings.length)
        {
            final long checkpointId = pendingBarrierId;
            lastBarrierId = checkpointId;
            pendingBarrierId = -1;
            Arrays.fill(atBarrier, false);
            channelsAtBarrier = 0;
            handler.onBarrierAligned(checkpointId, pendingBarrierFlags);
        }
    }
}
