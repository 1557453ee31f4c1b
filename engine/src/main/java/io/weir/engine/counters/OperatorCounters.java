package io.weir.engine.counters;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * One operator instance's counters (a stage of the job on one shard). Written only by the shard thread, with
 * release stores, once a duty cycle: no allocation, no lock.
 */
public final class OperatorCounters
{
    private final AtomicCounter eventsIn;
    private final AtomicCounter eventsOut;
    private final AtomicCounter backPressure;

    OperatorCounters(final AtomicCounter eventsIn, final AtomicCounter eventsOut, final AtomicCounter backPressure)
    {
        this.eventsIn = eventsIn;
        this.eventsOut = eventsOut;
        this.backPressure = backPressure;
    }

    /**
     * Publish the instance's totals so far. Shard thread only.
     *
     * @param eventsIn     elements its function processed.
     * @param eventsOut    elements its function emitted, to its main and side outputs.
     * @param backPressure times a full ring downstream stopped it from reading input.
     */
    public void onDutyCycle(final long eventsIn, final long eventsOut, final long backPressure)
    {
        this.eventsIn.setRelease(eventsIn);
        this.eventsOut.setRelease(eventsOut);
        this.backPressure.setRelease(backPressure);
    }
}
