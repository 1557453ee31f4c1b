package io.weir.tools.bench;

/** What the keyed operator emits per event: key, new sum, and what the latency probe needs. Reused per shard. */
public final class BenchResult
{
    public long key;
    public long sum;
    public long sequence;
    public long intendedNs;
}
