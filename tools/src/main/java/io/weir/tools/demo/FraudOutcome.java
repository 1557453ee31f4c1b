package io.weir.tools.demo;

/**
 * What {@link FraudDetector} emits: one {@link Kind#TRANSACTION} outcome per transaction (with the alerts it
 * raised, possibly none; the demo measures latency on these), and one {@link Kind#SESSION_SUMMARY} per ended
 * session. Mutable and reused by the emitting shard: copy it ({@link #copy()}) to keep it.
 */
public final class FraudOutcome
{
    public enum Kind
    {
        TRANSACTION, SESSION_SUMMARY
    }

    /** Alert bit: at least {@link FraudDetector#VELOCITY_THRESHOLD} transactions within the velocity window. */
    public static final int VELOCITY = 1;
    /** Alert bit: amount above {@link FraudDetector#SPIKE_FACTOR} times the card's running average. */
    public static final int SPIKE = 2;

    public Kind kind;
    public int alerts;
    public long cardId;
    /** Transaction: its event time. Summary: the session's last transaction time. */
    public long timestampMs;
    public long amountCents;
    public long sendTimeNs;
    /** Transaction: transactions of the card within the velocity window, this one included. */
    public int recentCount;
    /** Transaction: the card's average amount before this one (0 without history). */
    public long averageCents;
    public long sessionStartMs;
    public long sessionCount;
    public long sessionSumCents;
    public int topCategory;

    FraudOutcome transaction(
        final CardTransaction txn, final int alerts, final int recentCount, final long averageCents)
    {
        this.kind = Kind.TRANSACTION;
        this.alerts = alerts;
        this.cardId = txn.cardId;
        this.timestampMs = txn.timestampMs;
        this.amountCents = txn.amountCents;
        this.sendTimeNs = txn.sendTimeNs;
        this.recentCount = recentCount;
        this.averageCents = averageCents;
        return this;
    }

    FraudOutcome sessionSummary(final long cardId, final CardSession session, final int topCategory)
    {
        this.kind = Kind.SESSION_SUMMARY;
        this.alerts = 0;
        this.cardId = cardId;
        this.timestampMs = session.lastMs;
        this.amountCents = 0;
        this.sendTimeNs = 0;
        this.sessionStartMs = session.startMs;
        this.sessionCount = session.count;
        this.sessionSumCents = session.sumCents;
        this.topCategory = topCategory;
        return this;
    }

    public boolean isVelocityAlert()
    {
        return kind == Kind.TRANSACTION && (alerts & VELOCITY) != 0;
    }

    public boolean isSpikeAlert()
    {
        return kind == Kind.TRANSACTION && (alerts & SPIKE) != 0;
    }

    public boolean isSessionSummary()
    {
        return kind == Kind.SESSION_SUMMARY;
    }

    public FraudOutcome copy()
    {
        final FraudOutcome copy = new FraudOutcome();
        copy.kind = kind;
        copy.alerts = alerts;
        copy.cardId = cardId;
        copy.timestampMs = timestampMs;
        copy.amountCents = amountCents;
        copy.sendTimeNs = sendTimeNs;
        copy.recentCount = recentCount;
        copy.averageCents = averageCents;
        copy.sessionStartMs = sessionStartMs;
        copy.sessionCount = sessionCount;
        copy.sessionSumCents = sessionSumCents;
        copy.topCategory = topCategory;
        return copy;
    }

    /** One line for people (allocates: for samples, not for every outcome). */
    public String describe(final long velocityWindowMs)
    {
        if (kind == Kind.SESSION_SUMMARY)
        {
            return String.format("card %-8d %s-%s  %d transactions, %s total, mostly %s", cardId,
                DemoFormat.time(sessionStartMs), DemoFormat.time(timestampMs), sessionCount,
                DemoFormat.money(sessionSumCents), CardTransaction.CATEGORIES[topCategory]);
        }
        final StringBuilder line = new StringBuilder(String.format("card %-8d %s  %s", cardId,
            DemoFormat.time(timestampMs), DemoFormat.money(amountCents)));
        if ((alerts & VELOCITY) != 0)
        {
            line.append(String.format("  %d transactions within %d s", recentCount, velocityWindowMs / 1000));
        }
        if ((alerts & SPIKE) != 0)
        {
            line.append(String.format("  %.1fx the card's average of %s", (double)amountCents / averageCents,
                DemoFormat.money(averageCents)));
        }
        return line.toString();
    }

    public String toString()
    {
        return kind + (alerts != 0 ? " alerts=" + alerts : "") + " " + describe(FraudDetector.VELOCITY_WINDOW_MS);
    }
}
