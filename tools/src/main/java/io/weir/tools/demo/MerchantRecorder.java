package io.weir.tools.demo;

import io.weir.engine.ResultHandler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's merchant-totals sink: per merchant, the sum of its window totals, on each shard thread.
 * {@link #onResult} from shard {@code shardId}'s thread only; the rest after the job has terminated.
 */
public final class MerchantRecorder implements ResultHandler<MerchantTotals>
{
    private final List<Map<Long, MerchantTotals>> byShard = new ArrayList<>();
    private final long[] windows;

    public MerchantRecorder(final int shards)
    {
        this.windows = new long[shards];
        for (int s = 0; s < shards; s++)
        {
            byShard.add(new HashMap<>());
        }
    }

    public void onResult(final int shardId, final MerchantTotals totals)
    {
        windows[shardId]++;
        final MerchantTotals sum = byShard.get(shardId).computeIfAbsent(totals.merchantId,
            merchant -> new MerchantTotals().of(merchant, 0));
        sum.transactions += totals.transactions;
        sum.amountCents += totals.amountCents;
        sum.alerts += totals.alerts;
        sum.alertedAmountCents += totals.alertedAmountCents;
        sum.windowEndMs = Math.max(sum.windowEndMs, totals.windowEndMs);
    }

    /** Window totals received, all shards. */
    public long windows()
    {
        long total = 0;
        for (final long count : windows)
        {
            total += count;
        }
        return total;
    }

    /** Every merchant's sum over its windows. */
    public List<MerchantTotals> merchants()
    {
        final List<MerchantTotals> all = new ArrayList<>();
        byShard.forEach(map -> all.addAll(map.values()));
        return all;
    }

    /** The {@code limit} merchants with the most alerts (then the most amount), most first. */
    public List<MerchantTotals> top(final int limit)
    {
        final List<MerchantTotals> all = merchants();
        all.sort((a, b) -> a.alerts != b.alerts ? Long.compare(b.alerts, a.alerts) :
            Long.compare(b.amountCents, a.amountCents));
        return all.size() > limit ? all.subList(0, limit) : all;
    }
}
