package io.weir.tools.demo;

import io.weir.engine.HandlerSink;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.state.heap.HeapStateBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole demo dataflow ({@link FraudPipeline}) on a small seeded input, against an independent computation:
 * rules v1, half of the transactions, rules v2 (once every shard applied v1 and scored that half), the other half.
 * Some cards' profiles come before their transactions, some after their first or third (those transactions wait
 * for them), and some cards never get one (scored without a profile once the profile stream has ended). Checks every scored
 * transaction (alerts, rules version, home country, in card order) and the per-merchant totals.
 */
@Timeout(120)
class FraudPipelineTest
{
    private static final long SEED = 20_260_412L;
    private static final int CARDS = 30;
    private static final int CARDS_WITH_PROFILE = 24;
    private static final int MERCHANTS = 7;
    private static final int TRANSACTIONS = 1_500;
    private static final long SPACING_MS = 1_500;

    /** One step of the input: a transaction, or the profile of a card. */
    private record Step(CardTransaction txn, CardProfile profile)
    {
    }

    /** What the model says a scored transaction is. */
    private record Scored(long timestampMs, long amountCents, long merchantId, int alerts, int version, int home)
    {
        static Scored of(final FraudOutcome outcome)
        {
            return new Scored(outcome.timestampMs, outcome.amountCents, outcome.merchantId, outcome.alerts,
                outcome.ruleVersion, outcome.homeCountry);
        }
    }

    private static int homeOf(final long card)
    {
        return (int)(card * 3 % CardTransaction.COUNTRIES.length);
    }

    /** The seeded input, in offer order, phase 1 then phase 2; cards without a profile only in phase 2. */
    private static List<List<Step>> input()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final List<List<Step>> phases = List.of(new ArrayList<>(), new ArrayList<>());
        final Map<Long, Integer> seen = new HashMap<>();
        for (long c = 0; c < CARDS_WITH_PROFILE; c += 3)
        {
            phases.get(0).add(new Step(null, new CardProfile().set(0, c, homeOf(c))));   // before any transaction
        }
        long card = 0;
        for (int i = 0; i < TRANSACTIONS; i++)
        {
            final int phase = i < TRANSACTIONS / 2 ? 0 : 1;
            if (random.nextInt(100) >= 55)   // else the same card again: bursts
            {
                card = random.nextInt(phase == 0 ? CARDS_WITH_PROFILE : CARDS);
            }
            final long base = 1_000 + card * 150;
            long amount = base + random.nextInt(1_000);
            final int draw = random.nextInt(100);
            if (draw < 4)
            {
                amount = base * (7 + random.nextInt(8));   // between the v2 and far above the v1 spike factor
            }
            int country = homeOf(card);
            if (draw >= 90)
            {
                country = (country + 1) % CardTransaction.COUNTRIES.length;
                amount = 10_000 + random.nextInt(60_000);   // below, between and above the abroad limits
            }
            final CardTransaction txn = new CardTransaction().set(i * SPACING_MS, card, amount,
                random.nextInt(MERCHANTS), 0, country, 0);
            phases.get(phase).add(new Step(txn, null));
            final int count = seen.merge(card, 1, Integer::sum);
            if (card < CARDS_WITH_PROFILE && ((card % 3 == 1 && count == 3) || (card % 3 == 2 && count == 1)))
            {
                phases.get(phase).add(new Step(null, new CardProfile().set(0, card, homeOf(card))));
            }
        }
        return phases;
    }

    /** The independent computation: per card, its scored transactions in order; all of them into {@code inOrder}. */
    private static Map<Long, List<Scored>> expected(final List<List<Step>> phases, final List<Scored> inOrder)
    {
        final FraudRules[] rules = {FraudRules.INITIAL, FraudRules.TIGHTENED};
        final Map<Long, List<Scored>> scored = new HashMap<>();
        final Map<Long, Integer> home = new HashMap<>();
        final Map<Long, Queue<CardTransaction>> waiting = new HashMap<>();
        final Map<Long, List<Long>> history = new HashMap<>();
        final Map<Long, long[]> countSum = new HashMap<>();
        final BiScorer score = (txn, homeCountry, r) ->
        {
            final long[] cs = countSum.computeIfAbsent(txn.cardId, c -> new long[2]);
            int alerts = 0;
            if (cs[0] >= FraudDetector.SPIKE_MIN_HISTORY && txn.amountCents * cs[0] > r.spikeFactor * cs[1])
            {
                alerts |= FraudOutcome.SPIKE;
            }
            cs[0]++;
            cs[1] += txn.amountCents;
            final List<Long> times = history.computeIfAbsent(txn.cardId, c -> new ArrayList<>());
            times.add(txn.timestampMs);
            final long recent = times.stream()
                .filter(t -> t > txn.timestampMs - FraudDetector.VELOCITY_WINDOW_MS && t <= txn.timestampMs).count();
            if (recent >= r.velocityThreshold)
            {
                alerts |= FraudOutcome.VELOCITY;
            }
            if (homeCountry != CardTransaction.NO_PROFILE && txn.country != homeCountry &&
                txn.amountCents > r.abroadMaxCents)
            {
                alerts |= FraudOutcome.ABROAD;
            }
            final Scored result = new Scored(txn.timestampMs, txn.amountCents, txn.merchantId, alerts, r.version,
                homeCountry);
            scored.computeIfAbsent(txn.cardId, c -> new ArrayList<>()).add(result);
            inOrder.add(result);
        };
        for (int phase = 0; phase < phases.size(); phase++)
        {
            for (final Step step : phases.get(phase))
            {
                if (step.profile() != null)
                {
                    final long card = step.profile().cardId;
                    home.put(card, step.profile().homeCountry);
                    final Queue<CardTransaction> queue = waiting.remove(card);
                    while (queue != null && !queue.isEmpty())
                    {
                        score.score(queue.poll(), step.profile().homeCountry, rules[phase]);
                    }
                }
                else if (home.containsKey(step.txn().cardId))
                {
                    score.score(step.txn(), home.get(step.txn().cardId), rules[phase]);
                }
                else
                {
                    waiting.computeIfAbsent(step.txn().cardId, c -> new ArrayDeque<>()).add(step.txn());
                }
            }
        }
        waiting.values().forEach(queue -> queue.forEach(txn ->
            score.score(txn, CardTransaction.NO_PROFILE, rules[1])));
        return scored;
    }

    @FunctionalInterface
    private interface BiScorer
    {
        void score(CardTransaction txn, int homeCountry, FraudRules rules);
    }

    /** Per merchant, the totals of its scored transactions. */
    private static Map<Long, MerchantTotals> expectedMerchantSums(final List<Scored> inOrder)
    {
        final Map<Long, MerchantTotals> sums = new HashMap<>();
        for (final Scored s : inOrder)
        {
            final FraudOutcome outcome = new FraudOutcome();
            outcome.amountCents = s.amountCents();
            outcome.alerts = s.alerts();
            sums.computeIfAbsent(s.merchantId(), m -> new MerchantTotals().of(m, 0)).add(outcome);
        }
        return sums;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void alertsFollowTheRulesInForceAndMerchantTotalsAddUp(final int shards) throws Exception
    {
        final List<List<Step>> phases = input();
        final List<Scored> inOrder = new ArrayList<>();
        final Map<Long, List<Scored>> expected = expected(phases, inOrder);
        final long expectedPhaseOne = expected.values().stream().flatMap(List::stream)
            .filter(s -> s.version() == FraudRules.INITIAL.version).count();
        final long expectedTransactions = expected.values().stream().mapToLong(List::size).sum();
        final Set<Integer> cases = new HashSet<>();
        final Set<Integer> alertKinds = new HashSet<>();
        expected.values().forEach(list -> list.forEach(s ->
        {
            cases.add(s.version() * 16 + (s.alerts() != 0 ? 1 : 0) + (s.home() == CardTransaction.NO_PROFILE ? 2 : 0));
            alertKinds.add(s.alerts());
        }));
        assertTrue(cases.containsAll(List.of(17, 33, 35)), "the input raises alerts under both versions and " +
            "has transactions without a profile: " + cases);
        assertTrue(alertKinds.containsAll(List.of(FraudOutcome.VELOCITY, FraudOutcome.SPIKE, FraudOutcome.ABROAD)),
            "every kind of alert: " + alertKinds);
        assertEquals(TRANSACTIONS, expectedTransactions);

        final Queue<FraudOutcome> outcomes = new ConcurrentLinkedQueue<>();
        final Queue<MerchantTotals> merchantTotals = new ConcurrentLinkedQueue<>();
        final OutcomeRecorder recorder = new OutcomeRecorder(shards, 0);
        final WeirJob<Object, Object> job = new WeirContext().shards(shards).stateBackend(new HeapStateBackend())
            .ringCapacityBytes(16 * 1024)
            .build(FraudPipeline.dataflow(0, FraudDetector.SESSION_GAP_MS, 0,
                new HandlerSink<FraudOutcome>((shard, outcome) ->
                {
                    recorder.onResult(shard, outcome);
                    outcomes.add(outcome.copy());
                }),
                new HandlerSink<MerchantTotals>((shard, totals) -> merchantTotals.add(totals.copy())), 1024));
        try
        {
            job.start();
            final Producer<CardTransaction> transactions = job.producer(FraudPipeline.TRANSACTIONS, 0);
            final Producer<CardProfile> profiles = job.producer(FraudPipeline.PROFILES, 0);
            final Producer<FraudRules> rules = job.producer(FraudPipeline.RULES, 0);
            final FraudRules[] versions = {FraudRules.INITIAL, FraudRules.TIGHTENED};
            for (int phase = 0; phase < 2; phase++)
            {
                final FraudRules version = versions[phase];
                assertTrue(rules.offer(version.at(0), TimeUnit.SECONDS.toNanos(10)));
                awaitCondition(() -> recorder.shardsApplied(version.version) == shards,
                    "every shard applies rules v" + version.version);
                for (final Step step : phases.get(phase))
                {
                    assertTrue(step.txn() != null ? transactions.offer(step.txn(), TimeUnit.SECONDS.toNanos(10)) :
                        profiles.offer(step.profile(), TimeUnit.SECONDS.toNanos(10)));
                }
                if (phase == 0)
                {
                    awaitCondition(() -> recorder.transactions(FraudRules.INITIAL.version) == expectedPhaseOne,
                        expectedPhaseOne + " transactions scored under v1");
                }
            }
            transactions.endOfInput();
            profiles.endOfInput();
            rules.endOfInput();
            job.awaitTermination();
        }
        finally
        {
            job.close();
        }

        final Map<Long, List<Scored>> actual = outcomes.stream().filter(FraudOutcome::isTransaction)
            .collect(Collectors.groupingBy(o -> o.cardId, Collectors.mapping(Scored::of, Collectors.toList())));
        for (final Map.Entry<Long, List<Scored>> card : expected.entrySet())
        {
            assertEquals(card.getValue(), actual.get(card.getKey()), "card " + card.getKey() + ", seed " + SEED);
        }
        assertEquals(expected.keySet(), actual.keySet());
        // A transaction that waited for its profile carries the time of what released it (Flink's rule for
        // outputs), which depends on which input the join read first: compare each merchant's sum over its windows.
        assertEquals(expectedMerchantSums(inOrder), merchantSums(merchantTotals),
            "seed " + SEED);
        for (final MerchantTotals totals : merchantTotals)
        {
            assertEquals(0, totals.windowEndMs % FraudPipeline.MERCHANT_WINDOW_MS, totals.toString());
        }
        assertEquals(merchantTotals.size(), merchantTotals.stream().map(t -> t.merchantId + "@" + t.windowEndMs)
            .distinct().count(), "one total per merchant and window");
    }

    private static Map<Long, MerchantTotals> merchantSums(final java.util.Collection<MerchantTotals> windows)
    {
        final Map<Long, MerchantTotals> sums = new HashMap<>();
        for (final MerchantTotals window : windows)
        {
            sums.merge(window.merchantId, window.copy().of(window.merchantId, 0),
                (a, b) -> new MerchantTotals.Aggregate().merge(a, b));
        }
        return sums;
    }

    @TempDir
    Path dir;

    private WeirJob<Object, Object> checkpointedJob(final OutcomeRecorder recorder, final Queue<FraudOutcome> outcomes)
    {
        return new WeirContext().shards(2).stateBackend(new HeapStateBackend())
            .checkpoints(CheckpointSettings.every(dir, 3_600_000))
            .build(FraudPipeline.dataflow(0, FraudDetector.SESSION_GAP_MS, 0,
                new HandlerSink<FraudOutcome>((shard, outcome) ->
                {
                    recorder.onResult(shard, outcome);
                    outcomes.add(outcome.copy());
                }),
                new HandlerSink<MerchantTotals>((shard, totals) -> { }), 1024));
    }

    /**
     * A run that stops abruptly after a checkpoint, and one that restores it: the rules in force (broadcast state),
     * the cards' profiles (the join's keyed state) and their history (the scoring's keyed state) are all back, so
     * the second run's transactions, with neither rules nor profiles sent again, raise the v2 alerts.
     */
    @Test
    void aRestoredPipelineKeepsItsRulesProfilesAndHistory() throws Exception
    {
        final int cards = 6;
        final OutcomeRecorder first = new OutcomeRecorder(2, 0);
        final WeirJob<Object, Object> job = checkpointedJob(first, new ConcurrentLinkedQueue<>());
        try
        {
            job.start();
            final Producer<CardTransaction> transactions = job.producer(FraudPipeline.TRANSACTIONS, 0);
            final Producer<CardProfile> profiles = job.producer(FraudPipeline.PROFILES, 0);
            final Producer<FraudRules> rules = job.producer(FraudPipeline.RULES, 0);
            assertTrue(rules.offer(FraudRules.TIGHTENED.at(0), TimeUnit.SECONDS.toNanos(10)));
            for (long card = 0; card < cards; card++)
            {
                assertTrue(profiles.offer(new CardProfile().set(0, card, homeOf(card)), TimeUnit.SECONDS.toNanos(10)));
                for (int k = 0; k < 3; k++)
                {
                    assertTrue(transactions.offer(new CardTransaction().set(card * 100 + k * 20_000L, card, 4_000,
                        card, 0, homeOf(card), 0), TimeUnit.SECONDS.toNanos(10)));
                }
            }
            awaitCondition(() -> first.transactions(FraudRules.TIGHTENED.version) == 3 * cards,
                "the first run's transactions are scored under v2");
            final CompletableFuture<CheckpointStats> checkpoint = job.triggerCheckpoint();
            while (!checkpoint.isDone())
            {
                transactions.tryInjectRequestedBarrier();
                profiles.tryInjectRequestedBarrier();
                rules.tryInjectRequestedBarrier();
                Thread.onSpinWait();
            }
            checkpoint.get();
        }
        finally
        {
            job.close(WeirJob.CloseMode.DISCARD);
        }

        final Queue<FraudOutcome> outcomes = new ConcurrentLinkedQueue<>();
        final WeirJob<Object, Object> restored = checkpointedJob(new OutcomeRecorder(2, 0), outcomes);
        try
        {
            restored.start();
            assertTrue(restored.restoredFrom().isPresent(), "restored from the checkpoint");
            final Producer<CardTransaction> transactions = restored.producer(FraudPipeline.TRANSACTIONS, 0);
            for (long card = 0; card < cards; card++)
            {
                // 280.00 abroad: over v2's 200.00 and 6x the 40.00 average, under v1's 500.00 and 10x
                assertTrue(transactions.offer(new CardTransaction().set(100_000 + card, card, 28_000, card, 0,
                    (homeOf(card) + 1) % CardTransaction.COUNTRIES.length, 0), TimeUnit.SECONDS.toNanos(10)));
            }
            transactions.endOfInput();
            restored.producer(FraudPipeline.PROFILES, 0).endOfInput();
            restored.producer(FraudPipeline.RULES, 0).endOfInput();
            restored.awaitTermination();
        }
        finally
        {
            restored.close();
        }
        final List<FraudOutcome> scored = outcomes.stream().filter(FraudOutcome::isTransaction)
            .collect(Collectors.toList());
        assertEquals(cards, scored.size(), scored.toString());
        for (final FraudOutcome outcome : scored)
        {
            assertEquals(FraudRules.TIGHTENED.version, outcome.ruleVersion, outcome.toString());
            assertEquals(homeOf(outcome.cardId), outcome.homeCountry, outcome.toString());
            assertEquals(FraudOutcome.SPIKE | FraudOutcome.ABROAD, outcome.alerts, outcome.toString());
            assertEquals(4_000, outcome.averageCents, outcome.toString());
        }
    }

    private static void awaitCondition(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() - deadlineNs < 0, "timed out waiting until " + what + ", seed " + SEED);
            Thread.sleep(1);
        }
    }
}

