package io.weir.engine.runtime;

import org.agrona.concurrent.EpochClock;

/**
 * The job-wide settings an operator chain reads once, when it is created: taken from the job's context by the
 * code that wires the job, so the runtime does not depend on the embedding classes. Immutable.
 *
 * @param maxKeyLength    the longest serialized key, in bytes.
 * @param epochClock      the clock of state TTL and processing time.
 * @param maxParallelism  the number of key groups.
 * @param readBatchLimit  the most events read from the input rings per duty cycle.
 * @param prefetchEvents  how many events ahead the input gate prefetches state; 0 for none.
 * @param windowAccumulators the window accumulators a window operator keeps in memory between snapshot points, at
 *                        most; 0 for none.
 * @param checkpointIntervalMs the interval of periodic checkpoints; 0 without them.
 */
public record ChainSettings(
    int maxKeyLength, EpochClock epochClock, int maxParallelism, int readBatchLimit, int prefetchEvents,
    int windowAccumulators, long checkpointIntervalMs)
{
}
