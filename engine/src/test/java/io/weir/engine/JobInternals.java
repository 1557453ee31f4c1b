package io.weir.engine;

import io.weir.engine.runtime.ShardAgent;

import java.util.List;

/** Reaches a running job's runtime objects from tests in other packages; applications cannot. */
public final class JobInternals
{
    private JobInternals()
    {
    }

    public static List<ShardAgent> shards(final WeirJob<?, ?> job)
    {
        return job.shards();
    }
}
