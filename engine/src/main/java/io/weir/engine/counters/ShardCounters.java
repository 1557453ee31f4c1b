package io.weir.engine.counters;

import io.weir.state.spi.KeyedStateStore;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * One shard's counters. Written only by the shard thread, with release stores: no allocation, no lock. The
 * state store and the rings are sampled on intervals ({@link #RING_SAMPLE_INTERVAL_MS},
 * {@link #STATE_SAMPLE_INTERVAL_MS}); the rest is published every duty cycle.
 */
public final class ShardCounters
{
    /** How often the shard samples how full its input rings are. */
    public static final long RING_SAMPLE_INTERVAL_MS = 10;
    /**
     * How often the shard samples its store's entries and bytes: a store may need a system call for them
     * (a file's allocated blocks), too slow for every cycle.
     */
    public static final long STATE_SAMPLE_INTERVAL_MS = 1000;

    private final AtomicCounter eventsIn;
    private final AtomicCounter eventsOut;
    private final AtomicCounter watermark;
    private final AtomicCounter timersPending;
    private final AtomicCounter stateEntries;
    private final AtomicCounter stateBytes;
    /** Indexed by producer: the ring from that producer to this shard. */
    private final AtomicCounter[] ringUsedBytes;
    private RingBuffer[] rings;
    private KeyedStateStore store;
    private long nextRingSampleMs = Long.MIN_VALUE;
    private long nextStateSampleMs = Long.MIN_VALUE;

    ShardCounters(
        final AtomicCounter eventsIn,
        final AtomicCounter eventsOut,
        final AtomicCounter watermark,
        final AtomicCounter timersPending,
        final AtomicCounter stateEntries,
        final AtomicCounter stateBytes,
        final AtomicCounter[] ringUsedBytes)
    {
        this.eventsIn = eventsIn;
        this.eventsOut = eventsOut;
        this.watermark = watermark;
        this.timersPending = timersPending;
        this.stateEntries = stateEntries;
        this.stateBytes = stateBytes;
        this.ringUsedBytes = ringUsedBytes;
        watermark.setRelease(Long.MIN_VALUE);
    }

    /**
     * Give the counters what they sample: the shard's input rings, indexed by producer, and its store. Called
     * before the shard thread starts.
     *
     * @return this.
     */
    public ShardCounters bind(final RingBuffer[] rings, final KeyedStateStore store)
    {
        if (rings.length != ringUsedBytes.length)
        {
            throw new IllegalArgumentException(
                "the shard has " + rings.length + " rings but its counters were made for " + ringUsedBytes.length);
        }
        this.rings = rings;
        this.store = store;
        return this;
    }

    /** The counter of elements this shard's outputs collected; incremented by the shard thread only. */
    public AtomicCounter eventsOut()
    {
        return eventsOut;
    }

    /**
     * Publish the shard's progress. Shard thread, once a duty cycle, between state accesses (a store's entry
     * count may use the shard's transaction).
     *
     * @param nowMs           the cycle's clock reading, which paces the sampling.
     * @param eventsProcessed elements processed so far.
     * @param watermarkMs     the shard's current watermark.
     * @param timersPending   event-time and processing-time timers registered and not fired.
     */
    public void onDutyCycle(final long nowMs, final long eventsProcessed, final long watermarkMs, final int timersPending)
    {
        eventsIn.setRelease(eventsProcessed);
        watermark.setRelease(watermarkMs);
        this.timersPending.setRelease(timersPending);
        if (nowMs >= nextRingSampleMs && null != rings)
        {
            nextRingSampleMs = nowMs + RING_SAMPLE_INTERVAL_MS;
            for (int p = 0; p < rings.length; p++)
            {
                ringUsedBytes[p].setRelease(rings[p].size());
            }
        }
        if (nowMs >= nextStateSampleMs && null != store)
        {
            nextStateSampleMs = nowMs + STATE_SAMPLE_INTERVAL_MS;
            stateEntries.setRelease(store.entryCount());
            stateBytes.setRelease(store.sizeBytes());
        }
    }
}
