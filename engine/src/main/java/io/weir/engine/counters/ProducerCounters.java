package io.weir.engine.counters;

import org.agrona.concurrent.status.AtomicCounter;

/** One producer's counters, written only by the thread that uses the producer. */
public final class ProducerCounters
{
    private final AtomicCounter backPressure;

    ProducerCounters(final AtomicCounter backPressure)
    {
        this.backPressure = backPressure;
    }

    /** An offer found its shard's ring full. Producer thread only; no allocation, no lock. */
    public void onBackPressure()
    {
        backPressure.incrementRelease();
    }
}
