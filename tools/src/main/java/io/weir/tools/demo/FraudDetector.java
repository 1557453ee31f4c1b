package io.weir.tools.demo;

import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimerService;
import io.weir.api.codec.IntCodec;
import io.weir.api.codec.LongCodec;
import io.weir.api.functions.Collector;
import io.weir.api.state.BroadcastState;
import io.weir.api.state.LongList;
import io.weir.api.state.LongListState;
import io.weir.api.state.LongListStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReadOnlyBroadcastState;
import io.weir.api.state.StateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;

import java.util.Map;

/**
 * The demo's fraud rules, keyed by card, with their thresholds from the rules stream: a broadcast element
 * ({@link FraudRules}) of a higher version than the one in force (any version, at first) replaces it in the
 * broadcast state {@link FraudRules#STATE} and emits a {@link FraudOutcome.Kind#RULES_APPLIED}; until the first
 * one arrives, {@link FraudRules#INITIAL} is in force. For every (profile-enriched) transaction it emits one
 * {@link FraudOutcome.Kind#TRANSACTION} outcome carrying the alerts raised and the rules version that scored it:
 * <ul>
 *   <li><b>velocity</b>: {@code velocityThreshold} or more transactions of the card with event time in
 *       {@code (ts - 10 s, ts]} (a LongListState of recent timestamps, pruned once the watermark and the transaction's
 *       time are both 10 s past them);</li>
 *   <li><b>spike</b>: an amount above {@code spikeFactor} times the card's running average, once the card has
 *       {@value #SPIKE_MIN_HISTORY} earlier transactions (a ValueState of count and sum, read and written together:
 *       one state access where two LongValueStates would take two);</li>
 *   <li><b>abroad</b>: an amount above {@code abroadMaxCents} paid outside the card's home country (from its
 *       profile; never for a transaction without one).</li>
 * </ul>
 * A session ends when the card has been inactive for the session gap in event time; it emits a
 * {@link FraudOutcome.Kind#SESSION_SUMMARY} with count, sum and the most frequent merchant category (a MapState of
 * category counts). The session's event-time timer is set at its first transaction's time plus the gap, and a
 * later transaction leaves it there (it costs no timer look-up): a timer that fires before {@code last + gap}
 * registers itself again at {@code last + gap}, so the session ends at the first watermark at or past it. All
 * per-card state has a time to live (processing time), so cards that go quiet are forgotten. One instance per
 * shard; shard thread only.
 */
public final class FraudDetector
    extends KeyedBroadcastProcessFunction<Long, CardTransaction, FraudRules, FraudOutcome>
{
    public static final long VELOCITY_WINDOW_MS = 10_000;
    public static final long SPIKE_MIN_HISTORY = 3;
    public static final long SESSION_GAP_MS = 30 * 60_000L;
    public static final long STATE_TTL_MS = 60 * 60_000L;

    private final long sessionGapMs;
    private final long stateTtlMs;
    private final FraudOutcome outcome = new FraudOutcome();
    private final CardSession scratch = new CardSession();
    /** The timestamps an update keeps, reused. */
    private long[] retained = new long[16];
    private final CardHistory historyScratch = new CardHistory();
    private ValueState<CardHistory> history;
    private LongListState recentTimestamps;
    private ValueState<CardSession> session;
    private MapState<Integer, Long> sessionCategories;

    /**
     * @param sessionGapMs inactivity (event time) that ends a session.
     * @param stateTtlMs   time to live of every per-card value (processing time); 0 disables TTL.
     */
    public FraudDetector(final long sessionGapMs, final long stateTtlMs)
    {
        if (sessionGapMs <= 0 || stateTtlMs < 0)
        {
            throw new IllegalArgumentException("session gap must be > 0 and TTL >= 0 ms: gap=" + sessionGapMs +
                " ttl=" + stateTtlMs);
        }
        this.sessionGapMs = sessionGapMs;
        this.stateTtlMs = stateTtlMs;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        history = runtimeContext.getState(withTtl(new ValueStateDescriptor<>("history", CardHistory.Codec.INSTANCE)));
        recentTimestamps = runtimeContext.getLongListState(withTtl(new LongListStateDescriptor("recent-ts")));
        session = runtimeContext.getState(withTtl(new ValueStateDescriptor<>("session", CardSession.Codec.INSTANCE)));
        sessionCategories = runtimeContext.getMapState(
            withTtl(new MapStateDescriptor<>("session-categories", IntCodec.INSTANCE, LongCodec.INSTANCE)));
    }

    private <D extends StateDescriptor> D withTtl(final D descriptor)
    {
        if (stateTtlMs > 0)
        {
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(stateTtlMs)
                .updateType(StateTtlConfig.UpdateType.ON_CREATE_AND_WRITE)
                .stateVisibility(StateTtlConfig.StateVisibility.NEVER_RETURN_EXPIRED)
                .cleanupIncrementally(16, false)
                .build());
        }
        return descriptor;
    }

    public void processElement(
        final CardTransaction txn, final ReadOnlyContext ctx, final Collector<FraudOutcome> out)
    {
        final FraudRules rules = rulesInForce(ctx.getBroadcastState(FraudRules.STATE));
        int alerts = 0;
        // Written right after it is read: the store keeps the look-up of the key last read open for its write.
        final CardHistory seen = history.value(historyScratch);
        final long count = null == seen ? 0 : seen.count;
        final long sum = null == seen ? 0 : seen.sumCents;
        history.update(historyScratch.set(count + 1, sum + txn.amountCents));
        if (count >= SPIKE_MIN_HISTORY && txn.amountCents * count > rules.spikeFactor * sum)
        {
            alerts |= FraudOutcome.SPIKE;
        }

        final int recent = countRecent(txn.timestampMs, ctx.timerService().currentWatermark());
        if (recent >= rules.velocityThreshold)
        {
            alerts |= FraudOutcome.VELOCITY;
        }
        if (txn.homeCountry != CardTransaction.NO_PROFILE && txn.country != txn.homeCountry &&
            txn.amountCents > rules.abroadMaxCents)
        {
            alerts |= FraudOutcome.ABROAD;
        }

        extendSession(txn, ctx.timerService(), out);
        out.collect(outcome.transaction(txn, alerts, rules.version, recent, count == 0 ? 0 : sum / count));
    }

    /** A rules element: in force from now on if its version is higher than the one in force. */
    public void processBroadcastElement(final FraudRules rules, final Context ctx, final Collector<FraudOutcome> out)
    {
        final BroadcastState<Integer, FraudRules> state = ctx.getBroadcastState(FraudRules.STATE);
        final FraudRules current = state.get(FraudRules.CURRENT);
        if (current == null || rules.version > current.version)
        {
            state.put(FraudRules.CURRENT, rules.at(rules.timestampMs));   // a copy: the element is reused
            out.collect(outcome.rulesApplied(rules));
        }
    }

    private static FraudRules rulesInForce(final ReadOnlyBroadcastState<Integer, FraudRules> state)
    {
        final FraudRules rules = state.get(FraudRules.CURRENT);
        return rules != null ? rules : FraudRules.INITIAL;
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<FraudOutcome> out)
    {
        final CardSession current = session.value(scratch);
        if (current == null)
        {
            return;
        }
        final long endMs = current.lastMs + sessionGapMs;
        if (timestampMs >= endMs)
        {
            endSession(ctx.getCurrentKey(), current, out);
        }
        else
        {
            // Set when the session started or last fired: transactions since have moved its end.
            ctx.timerService().registerEventTimeTimer(endMs);
        }
    }

    /**
     * Count the timestamps in the window ending at {@code ts} (itself included), and store the list with {@code ts}
     * appended and what no later window needs pruned. Read once, written once: an append, or a replacement when
     * something is pruned.
     */
    private int countRecent(final long ts, final long watermark)
    {
        final LongList timestamps = recentTimestamps.get();
        // A transaction released late (after waiting for its profile) may be far behind the watermark: keep what
        // its own window still needs. The horizon is below ts, so ts itself is always kept.
        final long horizon =
            watermark == Long.MIN_VALUE ? Long.MIN_VALUE : Math.min(watermark, ts) - VELOCITY_WINDOW_MS;
        int count = 1;
        int prunable = 0;
        final int n = timestamps.size();
        for (int i = 0; i < n; i++)
        {
            final long t = timestamps.get(i);
            if (t > ts - VELOCITY_WINDOW_MS && t <= ts)
            {
                count++;
            }
            if (t <= horizon)
            {
                prunable++;
            }
        }
        if (0 == prunable)
        {
            recentTimestamps.add(ts);
            return count;
        }
        if (retained.length < n + 1)
        {
            retained = new long[Math.max(n + 1, 2 * retained.length)];
        }
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            final long t = timestamps.get(i);
            if (t > horizon)
            {
                retained[kept++] = t;
            }
        }
        retained[kept++] = ts;
        recentTimestamps.update(retained, kept);
        return count;
    }

    private void extendSession(
        final CardTransaction txn, final TimerService timers, final Collector<FraudOutcome> out)
    {
        final long ts = txn.timestampMs;
        CardSession current = session.value(scratch);
        if (current != null && ts >= current.lastMs + sessionGapMs)
        {
            // Arrived out of order after the gap, before the watermark fired the timer: the old session is over.
            // Its timer stays: it fires before the new session's end and moves there, where timers of one key and
            // time are one.
            endSession(txn.cardId, current, out);
            current = null;
        }
        if (current == null)
        {
            current = scratch.set(ts, ts, 0, 0);
            timers.registerEventTimeTimer(ts + sessionGapMs);
        }
        else if (ts > current.lastMs)
        {
            current.lastMs = ts;   // the session's timer moves to the new end when it fires
        }
        current.startMs = Math.min(current.startMs, ts);
        current.count++;
        current.sumCents += txn.amountCents;
        session.update(current);
        final Long categoryCount = sessionCategories.get(txn.merchantCategory);
        sessionCategories.put(txn.merchantCategory, categoryCount == null ? 1L : categoryCount + 1);
    }

    /** {@code ended} was read from {@link #session} just before: each state is cleared right after its read. */
    private void endSession(final long cardId, final CardSession ended, final Collector<FraudOutcome> out)
    {
        // The store keeps the look-up of the key last read open, so a removal right after the read costs no other.
        session.clear();
        int topCategory = 0;
        long topCount = -1;
        for (final Map.Entry<Integer, Long> entry : sessionCategories.entries())
        {
            if (entry.getValue() > topCount || (entry.getValue() == topCount && entry.getKey() < topCategory))
            {
                topCount = entry.getValue();
                topCategory = entry.getKey();
            }
        }
        sessionCategories.clear();
        out.collect(outcome.sessionSummary(cardId, ended, topCategory));
    }
}
