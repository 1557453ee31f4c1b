package io.weir.engine.runtime;

import io.weir.engine.WeirContext;

/** What tests of operator chains need from the embedding side: settings from a context, and failure checks. */
final class ChainFixtures
{
    private ChainFixtures()
    {
    }

    static ChainSettings settings(final WeirContext ctx)
    {
        return new ChainSettings(
            ctx.maxKeyLength(), ctx.epochClock(), ctx.maxParallelism(), ctx.readBatchLimit(), ctx.prefetchEvents(),
            ctx.windowAccumulatorsInMemory(), ctx.checkpoints().enabled() ? ctx.checkpoints().intervalMs() : 0);
    }

    /** Rethrow the first failure recorded in {@code status}, if any. */
    static void checkNotFailed(final JobStatus status)
    {
        final Throwable failure = status.failure();
        if (null != failure)
        {
            throw new AssertionError("chain failed: " + failure, failure);
        }
    }
}
