package io.weir.tools.demo;

import io.weir.engine.Producer;
import org.agrona.concurrent.IdleStrategy;

import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The demo's application thread: generates card transactions at a fixed rate and offers them through its own
 * {@link Producer}; offers each card's profile (its home country) on the profile stream just before the card's
 * first transaction (the two streams reach the join through different rings, so the transaction may still come
 * first); and publishes {@link FraudRules#INITIAL} on the rules stream at the start and
 * {@link FraudRules#TIGHTENED} once {@code ruleChangeAfterNs} have passed. It advances the watermarks of the
 * profile and rules streams with the transactions' event time and injects checkpoint barriers into them while they
 * are quiet, so that neither holds event time or checkpoints back. Each transaction is stamped with its
 * <em>intended</em> send time, so that a generator held back by back-pressure shows up as latency instead of
 * hiding it (no coordinated omission). Over the first {@code rampNs} the intended rate rises linearly from
 * {@value #RAMP_START_PERCENT}% to the full rate: a JVM that is still compiling the pipeline processes a fraction of
 * what it will, and a full rate from the start would leave a backlog that takes seconds to drain after the warm-up.
 * <p>
 * Event time is generation time on a clock that starts at the wall clock and runs {@code timeScale} times
 * faster, minus up to {@code outOfOrdernessMs} of jitter. Amounts are log-normal around a per-card typical
 * amount; 3% of the payments are made abroad. Fraud is injected now and then: a burst of {@value #BURST_LENGTH}
 * transactions on one card, one every {@value #BURST_SPACING_MS} ms of event time, single spikes of 12-40x the
 * card's average, and large payments abroad. Everything
 * random comes from one seeded generator, so a seed gives the same stream of cards and amounts.
 * <p>
 * {@link #run()} on the generator thread; {@link #requestStop()} and the counters from any thread.
 */
public final class TransactionGenerator implements Runnable
{
    public static final int BURST_LENGTH = 6;
    public static final long BURST_SPACING_MS = 700;
    private static final int BURST_ODDS = 40_000;
    private static final int SPIKE_ODDS = 30_000;
    private static final int ABROAD_ODDS = 20_000;
    private static final int ABROAD_PERCENT = 3;
    private static final long MAX_PARK_NS = 200_000;
    private static final int WATERMARK_EVERY = 256;
    private static final int RAMP_START_PERCENT = 10;
    /** Merchants, from 0; low ids are busier. */
    public static final int MERCHANTS = 2_000;

    private final Producer<CardTransaction> producer;
    private final Producer<CardProfile> profiles;
    private final Producer<FraudRules> rules;
    private final long ruleChangeAfterNs;
    private final IdleStrategy backPressureIdle;
    private final int cards;
    private final double intervalNs;
    private final double rampNs;
    /** Transactions intended within the ramp. */
    private final double rampCount;
    private final long timeScale;
    private final long outOfOrdernessMs;
    private final SplittableRandom random;
    private final long seed;
    private final long[] countByCard;
    private final long[] sumByCard;
    private final CardTransaction txn = new CardTransaction();
    private final CardProfile profile = new CardProfile();
    private boolean newCard;
    private volatile boolean stopRequested;
    private volatile long generated;
    private volatile Throwable failure;
    private long burstCard = -1;
    private int burstRemaining;
    private long burstNextMs;

    /**
     * @param ruleChangeAfterNs when (from the start) the tightened rules are published; Long.MAX_VALUE for never.
     * @param rampNs            how long (from the start) the rate takes to rise to {@code ratePerSecond}; 0 for
     *                          the full rate from the start.
     */
    public TransactionGenerator(
        final Producer<CardTransaction> producer,
        final Producer<CardProfile> profiles,
        final Producer<FraudRules> rules,
        final long ruleChangeAfterNs,
        final long rampNs,
        final IdleStrategy backPressureIdle,
        final int cards,
        final long ratePerSecond,
        final long timeScale,
        final long outOfOrdernessMs,
        final long seed)
    {
        this.producer = producer;
        this.profiles = profiles;
        this.rules = rules;
        this.ruleChangeAfterNs = ruleChangeAfterNs;
        this.backPressureIdle = backPressureIdle;
        this.cards = cards;
        this.intervalNs = 1e9 / ratePerSecond;
        this.rampNs = Math.max(0, rampNs);
        this.rampCount = this.rampNs / intervalNs * (100 + RAMP_START_PERCENT) / 200.0;
        this.timeScale = timeScale;
        this.outOfOrdernessMs = outOfOrdernessMs;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.countByCard = new long[cards];
        this.sumByCard = new long[cards];
    }

    public void requestStop()
    {
        stopRequested = true;
    }

    /** Transactions accepted by the engine so far. */
    public long generated()
    {
        return generated;
    }

    /** Why the generator stopped early, or null. */
    public Throwable failure()
    {
        return failure;
    }

    public void run()
    {
        try
        {
            generate();
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        finally
        {
            endOfInput(producer);
            endOfInput(profiles);
            endOfInput(rules);
        }
    }

    private void endOfInput(final Producer<?> ended)
    {
        try
        {
            ended.endOfInput();
        }
        catch (final RuntimeException ex)
        {
            if (failure == null)
            {
                failure = ex;
            }
        }
    }

    /** Offer {@code value}, waiting out back-pressure; false if a stop was requested meanwhile. */
    private <T> boolean offer(final Producer<T> to, final T value)
    {
        backPressureIdle.reset();
        while (!to.tryOffer(value))
        {
            if (stopRequested)
            {
                return false;
            }
            backPressureIdle.idle();
        }
        return true;
    }

    private void generate()
    {
        final long startNs = System.nanoTime();
        final long startEpochMs = System.currentTimeMillis();
        if (!offer(rules, FraudRules.INITIAL.at(startEpochMs)))
        {
            return;
        }
        boolean rulesChanged = false;
        long sequence = 0;
        while (!stopRequested)
        {
            profiles.tryInjectRequestedBarrier();
            rules.tryInjectRequestedBarrier();
            final long intendedNs = startNs + intendedOffsetNs(sequence);
            final long waitNs = intendedNs - System.nanoTime();
            if (waitNs > 0)
            {
                LockSupport.parkNanos(Math.min(waitNs, MAX_PARK_NS));
                continue;
            }
            final long eventTimeMs = startEpochMs + (intendedNs - startNs) / 1_000_000 * timeScale +
                (intendedNs - startNs) % 1_000_000 * timeScale / 1_000_000;
            if (!rulesChanged && intendedNs - startNs >= ruleChangeAfterNs)
            {
                if (!offer(rules, FraudRules.TIGHTENED.at(eventTimeMs)))
                {
                    return;
                }
                rulesChanged = true;
            }
            next(eventTimeMs, intendedNs);
            if ((newCard && !offer(profiles, profile.set(eventTimeMs, txn.cardId, homeCountry(txn.cardId)))) ||
                !offer(producer, txn))
            {
                return;
            }
            sequence++;
            generated = sequence;
            if (sequence % WATERMARK_EVERY == 0)
            {
                final long watermarkMs = eventTimeMs - outOfOrdernessMs - 1;
                profiles.emitWatermark(watermarkMs);
                profiles.tryFlushWatermarks();
                rules.emitWatermark(watermarkMs);
                rules.tryFlushWatermarks();
            }
        }
    }

    /**
     * When, from the start, transaction {@code sequence} is due. Within the ramp the rate at time t is
     * {@code rate * (a + (1 - a) * t / ramp)}, so the count by t is
     * {@code rate * (a * t + (1 - a) * t^2 / (2 * ramp))}, solved here for t; after it, one every interval.
     */
    long intendedOffsetNs(final long sequence)
    {
        if (sequence >= rampCount)
        {
            return (long)(rampNs + (sequence - rampCount) * intervalNs);
        }
        final double a = RAMP_START_PERCENT / 100.0;
        final double n = sequence * intervalNs;   // the count in units of "ns at the full rate"
        return (long)((Math.sqrt(a * a + 2 * (1 - a) * n / rampNs) - a) * rampNs / (1 - a));
    }

    private void next(final long eventTimeMs, final long intendedNs)
    {
        final long timestampMs = eventTimeMs - (outOfOrdernessMs > 0 ? random.nextLong(outOfOrdernessMs + 1) : 0);
        long card;
        long amount;
        if (burstRemaining > 0 && eventTimeMs >= burstNextMs)
        {
            card = burstCard;
            burstRemaining--;
            burstNextMs += BURST_SPACING_MS;
            amount = typicalAmount(card);
        }
        else
        {
            card = random.nextInt(cards);
            amount = (long)(typicalAmount(card) * Math.exp(0.5 * random.nextGaussian() - 0.125));
            if (burstRemaining == 0 && random.nextInt(BURST_ODDS) == 0)
            {
                burstCard = card;
                burstRemaining = BURST_LENGTH - 1;
                burstNextMs = eventTimeMs + BURST_SPACING_MS;
            }
            else if (countByCard[(int)card] >= FraudDetector.SPIKE_MIN_HISTORY && random.nextInt(SPIKE_ODDS) == 0)
            {
                amount = sumByCard[(int)card] / countByCard[(int)card] * (12 + random.nextInt(29));
            }
        }
        final int home = homeCountry(card);
        int country = home;
        if (random.nextInt(100) < ABROAD_PERCENT)
        {
            country = (home + 1 + random.nextInt(CardTransaction.COUNTRIES.length - 1)) %
                CardTransaction.COUNTRIES.length;
        }
        if (burstRemaining == 0 && random.nextInt(ABROAD_ODDS) == 0)
        {
            country = (home + 1) % CardTransaction.COUNTRIES.length;
            amount = 20_000 + random.nextInt(200_000);
        }
        amount = Math.max(amount, 1);
        newCard = countByCard[(int)card] == 0;
        countByCard[(int)card]++;
        sumByCard[(int)card] += amount;
        final int favourite = (int)(mix(card ^ seed) >>> 61);
        final int category = random.nextInt(10) < 6 ? favourite : random.nextInt(CardTransaction.CATEGORIES.length);
        final double u = random.nextDouble();
        final long merchant = (long)(MERCHANTS * u * u);
        txn.set(timestampMs, card, amount, merchant, category, country, intendedNs);
    }

    /** A card's home country; fixed per card and seed. */
    private int homeCountry(final long card)
    {
        return (int)Long.remainderUnsigned(mix(card * 7 + seed), CardTransaction.COUNTRIES.length);
    }

    /** A card's typical amount, 5.00 to about 300.00, skewed towards small amounts; fixed per card and seed. */
    private long typicalAmount(final long card)
    {
        final double u = (mix(card * 31 + seed) >>> 11) * 0x1.0p-53;
        return 500 + (long)(30_000 * u * u * u);
    }

    private static long mix(final long value)
    {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
