package io.weir.tools.demo;

import io.weir.api.dataflow.BroadcastStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.engine.HandlerSink;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.concurrent.EpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's scoring on hand-written transactions, through a real one-shard job fed by application producers: the
 * rules stream ends at once, so {@link FraudRules#INITIAL} is in force.
 */
@Timeout(60)
class FraudDetectorTest
{
    private static final long GAP_MS = 60_000;

    private final Queue<FraudOutcome> results = new ConcurrentLinkedQueue<>();
    private final ShardReadClock clock = new ShardReadClock();
    private final CardTransaction txn = new CardTransaction();

    /**
     * The job's clock, set by the test, counting the reads of shard threads: the shard reads it once as each work
     * cycle starts, and state TTL runs on that cycle's time.
     */
    private static final class ShardReadClock implements EpochClock
    {
        private final AtomicLong shardReads = new AtomicLong();
        private volatile long timeMs;

        public long time()
        {
            if (Thread.currentThread().getName().startsWith("weir-shard"))
            {
                shardReads.incrementAndGet();
            }
            return timeMs;
        }

        void update(final long timeMs)
        {
            this.timeMs = timeMs;
        }

        /** Returns once a shard has started a work cycle after this call: that cycle and later ones see the time. */
        void awaitShardCycle()
        {
            final long reads = shardReads.get();
            while (shardReads.get() <= reads)
            {
                Thread.onSpinWait();
            }
        }
    }

    private WeirJob<Object, Object> start(final long ttlMs)
    {
        final Dataflow flow = Dataflow.named("fraud-test");
        final BroadcastStream<FraudRules> rules = flow.source("rules", FraudRules.Codec.INSTANCE)
            .timestamps(FraudRules::timestampMs, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .broadcast(FraudRules.STATE);
        flow.source("transactions", CardTransaction.Codec.INSTANCE)
            .timestamps(CardTransaction::timestampMs, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(CardTransaction::cardId)
            .connect(rules)
            .<Long, FraudOutcome>process(() -> new FraudDetector(GAP_MS, ttlMs)).uid("score")
            .sinkTo(new HandlerSink<FraudOutcome>((shard, outcome) -> results.add(outcome.copy())));
        final WeirJob<Object, Object> job = new WeirContext().shards(1).stateBackend(new HeapStateBackend())
            .epochClock(clock).build(flow);
        job.start();
        job.producer("rules", 0).endOfInput();
        return job;
    }

    private static Producer<CardTransaction> transactions(final WeirJob<Object, Object> job)
    {
        return job.producer("transactions", 0);
    }

    private void offer(final Producer<CardTransaction> producer, final long card, final long ts, final long amount)
    {
        assertTrue(producer.offer(txn.set(ts, card, amount, 1, System.nanoTime()), TimeUnit.SECONDS.toNanos(10)));
    }

    private List<FraudOutcome> runToEnd(final WeirJob<Object, Object> job) throws Exception
    {
        transactions(job).endOfInput();
        job.awaitTermination();
        job.close();
        return new ArrayList<>(results);
    }

    private static List<FraudOutcome> transactions(final List<FraudOutcome> outcomes, final long card)
    {
        return outcomes.stream().filter(o -> o.cardId == card && o.isTransaction()).collect(Collectors.toList());
    }

    @Test
    void shouldRaiseVelocityAlertAtTheFifthTransactionWithinTenSeconds() throws Exception
    {
        final WeirJob<Object, Object> job = start(0);
        final Producer<CardTransaction> producer = transactions(job);
        for (int i = 0; i < 5; i++)
        {
            offer(producer, 1, 1_000 + i * 2_000L, 1_000);   // 1 s .. 9 s
        }
        for (final long ts : new long[]{100_000, 103_000, 106_000, 109_000, 110_000})
        {
            offer(producer, 2, ts, 1_000);   // the fifth is 10 s after the first: only 4 in (ts - 10 s, ts]
        }
        final List<FraudOutcome> outcomes = runToEnd(job);

        final List<FraudOutcome> card1 = transactions(outcomes, 1);
        assertEquals(5, card1.size());
        for (int i = 0; i < 4; i++)
        {
            assertFalse(card1.get(i).isVelocityAlert(), "no alert at transaction " + (i + 1));
        }
        assertTrue(card1.get(4).isVelocityAlert());
        assertEquals(5, card1.get(4).recentCount);

        final List<FraudOutcome> card2 = transactions(outcomes, 2);
        assertTrue(card2.stream().noneMatch(FraudOutcome::isVelocityAlert), card2.toString());
        assertEquals(4, card2.get(4).recentCount);
    }

    @Test
    void shouldKeepCountingTheTransactionsWithinTenSecondsAfterPruningOlderOnes() throws Exception
    {
        final WeirJob<Object, Object> job = start(0);
        final Producer<CardTransaction> producer = transactions(job);
        // At 16 s the watermark (15 s - 1 ms) is 10 s past 0 s and 1 s: the transaction that prunes them is kept.
        for (final long ts : new long[]{0, 1_000, 15_000, 16_000, 17_000, 18_000, 19_000, 30_000})
        {
            offer(producer, 3, ts, 1_000);
        }
        final List<FraudOutcome> outcomes = runToEnd(job);

        final List<FraudOutcome> card = transactions(outcomes, 3);
        final int[] expected = {1, 2, 1, 2, 3, 4, 5, 1};
        for (int i = 0; i < expected.length; i++)
        {
            assertEquals(expected[i], card.get(i).recentCount, "transaction " + (i + 1) + ": " + card);
        }
        assertTrue(card.get(6).isVelocityAlert());
    }

    @Test
    void shouldRaiseSpikeAlertAboveTenTimesTheAverageAfterThreeTransactions() throws Exception
    {
        final WeirJob<Object, Object> job = start(0);
        final Producer<CardTransaction> producer = transactions(job);
        final long[][] cards = {{10, 10_000}, {11, 10_001}, {12, 50_000}};
        for (final long[] card : cards)
        {
            final int history = card[0] == 12 ? 2 : 3;
            for (int i = 0; i < history; i++)
            {
                offer(producer, card[0], i * 20_000L, 1_000);
            }
            offer(producer, card[0], 100_000, card[1]);
        }
        final List<FraudOutcome> outcomes = runToEnd(job);

        assertFalse(last(transactions(outcomes, 10)).isSpikeAlert(), "exactly 10x is not a spike");
        final FraudOutcome spike = last(transactions(outcomes, 11));
        assertTrue(spike.isSpikeAlert(), "above 10x is a spike");
        assertEquals(1_000, spike.averageCents);
        assertFalse(last(transactions(outcomes, 12)).isSpikeAlert(), "two transactions are not enough history");
        assertTrue(outcomes.stream().filter(o -> o.isSpikeAlert()).count() == 1);
    }

    @Test
    void shouldEmitSessionSummaryWhenWatermarkPassesTheInactivityGap() throws Exception
    {
        final WeirJob<Object, Object> job = start(0);
        final Producer<CardTransaction> producer = transactions(job);
        offer(producer, 5, 0, 100);
        offer(producer, 5, 10_000, 200);
        offer(producer, 5, 20_000, 300);
        offer(producer, 6, 20_000 + GAP_MS - 1, 1);   // watermark stays below the timer at 20 s + gap
        offer(producer, 6, 20_000 + GAP_MS + 5, 1);   // carries watermark gap+20 s-1 ...
        offer(producer, 6, 20_000 + GAP_MS + 6, 1);   // ... and this one gap+20 s+4: the session of card 5 ends
        final List<FraudOutcome> outcomes = runToEnd(job);

        int summaryIndex = -1;
        for (int i = 0; i < outcomes.size(); i++)
        {
            if (outcomes.get(i).isSessionSummary() && outcomes.get(i).cardId == 5)
            {
                summaryIndex = i;
                break;
            }
        }
        assertEquals(5, summaryIndex, "summary fired by the watermark, before card 6's last transaction: " +
            outcomes);
        final FraudOutcome summary = outcomes.get(summaryIndex);
        assertEquals(0, summary.sessionStartMs);
        assertEquals(20_000, summary.timestampMs);
        assertEquals(3, summary.sessionCount);
        assertEquals(600, summary.sessionSumCents);
        assertEquals(1, summary.topCategory);
        assertEquals(1, outcomes.stream().filter(o -> o.isSessionSummary() && o.cardId == 5).count());
    }

    @Test
    void shouldEndASessionOnceWhenATransactionAfterTheGapArrivesBeforeItsTimerFired() throws Exception
    {
        final WeirJob<Object, Object> job = start(0);
        final Producer<CardTransaction> producer = transactions(job);
        offer(producer, 5, 0, 100);
        offer(producer, 5, 10_000, 200);            // extends the session: its timer stays at the first gap
        offer(producer, 5, 10_000 + GAP_MS, 400);   // the gap has passed, its timer has not fired: a new session
        offer(producer, 5, 10_000 + GAP_MS + 1_000, 800);
        offer(producer, 6, 11_000 + 2 * GAP_MS + 5, 1);   // the watermark passes the second session's end
        offer(producer, 6, 11_000 + 2 * GAP_MS + 6, 1);
        final List<FraudOutcome> outcomes = runToEnd(job);

        final List<FraudOutcome> summaries = outcomes.stream()
            .filter(o -> o.isSessionSummary() && o.cardId == 5).collect(Collectors.toList());
        assertEquals(2, summaries.size(), "one summary per session: " + outcomes);
        assertEquals(0, summaries.get(0).sessionStartMs);
        assertEquals(10_000, summaries.get(0).timestampMs);
        assertEquals(2, summaries.get(0).sessionCount);
        assertEquals(300, summaries.get(0).sessionSumCents);
        assertEquals(10_000 + GAP_MS, summaries.get(1).sessionStartMs);
        assertEquals(11_000 + GAP_MS, summaries.get(1).timestampMs);
        assertEquals(2, summaries.get(1).sessionCount);
        assertEquals(1_200, summaries.get(1).sessionSumCents);
        assertTrue(outcomes.indexOf(summaries.get(1)) < outcomes.indexOf(last(transactions(outcomes, 6))),
            "the second session ends at the watermark past its last transaction plus the gap: " + outcomes);
    }

    @Test
    void shouldForgetACardsHistoryWhenItsStateExpires() throws Exception
    {
        clock.update(1_000_000);
        final WeirJob<Object, Object> job = start(5_000);
        final Producer<CardTransaction> producer = transactions(job);
        for (int i = 0; i < 3; i++)
        {
            offer(producer, 7, i * 20_000L, 1_000);
            offer(producer, 8, i * 20_000L, 1_000);
        }
        offer(producer, 8, 60_000, 50_000);
        while (results.size() < 7)
        {
            Thread.onSpinWait();
        }
        clock.update(1_000_000 + 5_001);
        clock.awaitShardCycle();
        offer(producer, 7, 60_000, 50_000);
        final List<FraudOutcome> outcomes = runToEnd(job);

        assertTrue(last(transactions(outcomes, 8)).isSpikeAlert(), "within the TTL the history counts");
        final FraudOutcome expired = last(transactions(outcomes, 7));
        assertFalse(expired.isSpikeAlert(), "after the TTL the card has no history: " + expired);
        assertEquals(0, expired.averageCents);
    }

    private static FraudOutcome last(final List<FraudOutcome> outcomes)
    {
        return outcomes.get(outcomes.size() - 1);
    }
}
