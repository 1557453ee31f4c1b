package io.weir.tools.demo;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;

import java.util.List;

/**
 * Joins each transaction with its card's profile, keyed by card: the profile's home country is kept in keyed state
 * and copied into every transaction of the card ({@link CardTransaction#homeCountry}).
 * <p>
 * A transaction that arrives before its card's profile waits in keyed state (a ListState, in arrival order) until
 * the profile arrives, then goes on with it, ahead of the card's later transactions, so every card's transactions
 * leave in the order they came. If the profile has not arrived once the watermark passes the first waiting
 * transaction's time plus {@code profileWaitMs} (an event-time timer), the waiting transactions go on without one
 * ({@link CardTransaction#NO_PROFILE}), as do those of a card that never gets one at the end of the input.
 * One instance per shard; shard thread only.
 */
public final class ProfileJoin extends KeyedCoProcessFunction<Long, CardTransaction, CardProfile, CardTransaction>
{
    private final long profileWaitMs;
    private LongValueState homeCountry;
    private ListState<CardTransaction> waiting;

    /** @param profileWaitMs how long (event time) a transaction waits for its card's profile. */
    public ProfileJoin(final long profileWaitMs)
    {
        if (profileWaitMs < 0)
        {
            throw new IllegalArgumentException("profile wait must be >= 0 ms: " + profileWaitMs);
        }
        this.profileWaitMs = profileWaitMs;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        homeCountry = runtimeContext.getLongState(new LongValueStateDescriptor("home-country"));
        waiting = runtimeContext.getListState(new ListStateDescriptor<>("waiting", CardTransaction.Codec.INSTANCE));
    }

    public void processElement1(final CardTransaction txn, final Context ctx, final Collector<CardTransaction> out)
    {
        final long home = homeCountry.valueOr(CardTransaction.NO_PROFILE);
        if (home != CardTransaction.NO_PROFILE)
        {
            txn.homeCountry = (int)home;
            out.collect(txn);
            return;
        }
        if (waiting.size() == 0)
        {
            ctx.timerService().registerEventTimeTimer(saturatedAdd(txn.timestampMs, profileWaitMs));
        }
        waiting.add(txn);
    }

    public void processElement2(final CardProfile profile, final Context ctx, final Collector<CardTransaction> out)
    {
        homeCountry.update(profile.homeCountry);
        release(profile.homeCountry, out);
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<CardTransaction> out)
    {
        release(CardTransaction.NO_PROFILE, out);
    }

    /** Send the waiting transactions on, in arrival order, with {@code home}. */
    private void release(final int home, final Collector<CardTransaction> out)
    {
        if (waiting.size() == 0)
        {
            return;
        }
        final List<CardTransaction> released = waiting.get();
        for (int i = 0, n = released.size(); i < n; i++)
        {
            final CardTransaction txn = released.get(i);
            txn.homeCountry = home;
            out.collect(txn);
        }
        waiting.clear();
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
