package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Locale;

/**
 * What {@link FraudDetector} emits: one {@link Kind#TRANSACTION} outcome per transaction (with the alerts it
 * raised, possibly none, and the version of the rules that scored it; the demo measures latency on these), one
 * {@link Kind#SESSION_SUMMARY} per ended session, and one {@link Kind#RULES_APPLIED} per instance and rules
 * version taken into force. Mutable and reused by the emitting shard: copy it ({@link #copy()}) to keep it.
 */
public final class FraudOutcome
{
    public enum Kind
    {
        TRANSACTION, SESSION_SUMMARY, RULES_APPLIED
    }

    private static final Kind[] KINDS = Kind.values();

    /** Alert bit: at least {@link FraudRules#velocityThreshold} transactions within the velocity window. */
    public static final int VELOCITY = 1;
    /** Alert bit: amount above {@link FraudRules#spikeFactor} times the card's running average. */
    public static final int SPIKE = 2;
    /** Alert bit: amount above {@link FraudRules#abroadMaxCents} outside the card's home country. */
    public static final int ABROAD = 4;

    public Kind kind;
    public int alerts;
    public long cardId;
    /** Transaction: its event time. Summary: the session's last transaction time. Rules: their publication time. */
    public long timestampMs;
    public long amountCents;
    public long sendTimeNs;
    public long merchantId;
    public int country;
    public int homeCountry;
    /** Transaction: the rules version that scored it. Rules: the version taken into force. */
    public int ruleVersion;
    /** Transaction: transactions of the card within the velocity window, this one included. */
    public int recentCount;
    /** Transaction: the card's average amount before this one (0 without history). */
    public long averageCents;
    public long sessionStartMs;
    public long sessionCount;
    public long sessionSumCents;
    public int topCategory;

    FraudOutcome transaction(
        final CardTransaction txn,
        final int alerts,
        final int ruleVersion,
        final int recentCount,
        final long averageCents)
    {
        this.kind = Kind.TRANSACTION;
        this.alerts = alerts;
        this.cardId = txn.cardId;
        this.timestampMs = txn.timestampMs;
        this.amountCents = txn.amountCents;
        this.sendTimeNs = txn.sendTimeNs;
        this.merchantId = txn.merchantId;
        this.country = txn.country;
        this.homeCountry = txn.homeCountry;
        this.ruleVersion = ruleVersion;
        this.recentCount = recentCount;
        this.averageCents = averageCents;
        return this;
    }

    FraudOutcome sessionSummary(final long cardId, final CardSession session, final int topCategory)
    {
        clear(Kind.SESSION_SUMMARY);
        this.cardId = cardId;
        this.timestampMs = session.lastMs;
        this.sessionStartMs = session.startMs;
        this.sessionCount = session.count;
        this.sessionSumCents = session.sumCents;
        this.topCategory = topCategory;
        return this;
    }

    FraudOutcome rulesApplied(final FraudRules rules)
    {
        clear(Kind.RULES_APPLIED);
        this.timestampMs = rules.timestampMs;
        this.ruleVersion = rules.version;
        return this;
    }

    private void clear(final Kind kind)
    {
        this.kind = kind;
        this.alerts = 0;
        this.cardId = 0;
        this.amountCents = 0;
        this.sendTimeNs = 0;
        this.merchantId = 0;
        this.country = 0;
        this.homeCountry = CardTransaction.NO_PROFILE;
        this.ruleVersion = 0;
        this.recentCount = 0;
        this.averageCents = 0;
        this.sessionStartMs = 0;
        this.sessionCount = 0;
        this.sessionSumCents = 0;
        this.topCategory = 0;
    }

    public boolean isTransaction()
    {
        return kind == Kind.TRANSACTION;
    }

    public boolean isVelocityAlert()
    {
        return kind == Kind.TRANSACTION && (alerts & VELOCITY) != 0;
    }

    public boolean isSpikeAlert()
    {
        return kind == Kind.TRANSACTION && (alerts & SPIKE) != 0;
    }

    public boolean isAbroadAlert()
    {
        return kind == Kind.TRANSACTION && (alerts & ABROAD) != 0;
    }

    public boolean isSessionSummary()
    {
        return kind == Kind.SESSION_SUMMARY;
    }

    public boolean isRulesApplied()
    {
        return kind == Kind.RULES_APPLIED;
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
        copy.merchantId = merchantId;
        copy.country = country;
        copy.homeCountry = homeCountry;
        copy.ruleVersion = ruleVersion;
        copy.recentCount = recentCount;
        copy.averageCents = averageCents;
        copy.sessionStartMs = sessionStartMs;
        copy.sessionCount = sessionCount;
        copy.sessionSumCents = sessionSumCents;
        copy.topCategory = topCategory;
        return copy;
    }

    /** One line for people (allocates: for samples, not for every outcome). */
    public String describe()
    {
        if (kind == Kind.SESSION_SUMMARY)
        {
            return String.format(Locale.ROOT, "card %-8d %s-%s  %d transactions, %s total, mostly %s", cardId,
                DemoFormat.time(sessionStartMs), DemoFormat.time(timestampMs), sessionCount,
                DemoFormat.money(sessionSumCents), CardTransaction.CATEGORIES[topCategory]);
        }
        if (kind == Kind.RULES_APPLIED)
        {
            return String.format(Locale.ROOT, "rules v%d published at %s", ruleVersion, DemoFormat.time(timestampMs));
        }
        final StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
            "card %-8d %s  %s at merchant %d (rules v%d)",
            cardId, DemoFormat.time(timestampMs), DemoFormat.money(amountCents), merchantId, ruleVersion));
        if ((alerts & VELOCITY) != 0)
        {
            line.append(String.format(Locale.ROOT, "  %d transactions within %d s", recentCount,
                FraudDetector.VELOCITY_WINDOW_MS / 1000));
        }
        if ((alerts & SPIKE) != 0)
        {
            line.append(String.format(Locale.ROOT,
                "  %.1fx the card's average of %s", (double)amountCents / averageCents,
                DemoFormat.money(averageCents)));
        }
        if ((alerts & ABROAD) != 0)
        {
            line.append(String.format(Locale.ROOT, "  paid in %s, card from %s", CardTransaction.COUNTRIES[country],
                CardTransaction.COUNTRIES[homeCountry]));
        }
        return line.toString();
    }

    public String toString()
    {
        return kind + (alerts != 0 ? " alerts=" + alerts : "") + " " + describe();
    }

    /**
     * Native order; what crosses threads to the per-merchant stage.
     * <pre>
     *  0        8        16       24       32       40       48       56       64
     *  +--------+--------+--------+--------+--------+--------+--------+--------+
     *  |   ts   |  card  | amount | send_ns|merchant|  avg   |ses_strt|ses_cnt |
     *  +--------+--------+--------+--------+--------+--------+--------+--------+
     *  |ses_sum |kind|alrt|ctry|home|ver |rcnt|top |
     *  +--------+----+----+----+----+----+----+----+
     *  64       72   76   80   84   88   92   96   100
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<FraudOutcome>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-demo-fraud-outcome-v1", 100);
        }

        protected void write(final FraudOutcome value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.timestampMs);
            buffer.putLong(offset + 8, value.cardId);
            buffer.putLong(offset + 16, value.amountCents);
            buffer.putLong(offset + 24, value.sendTimeNs);
            buffer.putLong(offset + 32, value.merchantId);
            buffer.putLong(offset + 40, value.averageCents);
            buffer.putLong(offset + 48, value.sessionStartMs);
            buffer.putLong(offset + 56, value.sessionCount);
            buffer.putLong(offset + 64, value.sessionSumCents);
            buffer.putInt(offset + 72, value.kind.ordinal());
            buffer.putInt(offset + 76, value.alerts);
            buffer.putInt(offset + 80, value.country);
            buffer.putInt(offset + 84, value.homeCountry);
            buffer.putInt(offset + 88, value.ruleVersion);
            buffer.putInt(offset + 92, value.recentCount);
            buffer.putInt(offset + 96, value.topCategory);
        }

        protected FraudOutcome read(final DirectBuffer buffer, final int offset, final FraudOutcome reuse)
        {
            final FraudOutcome o = reuse != null ? reuse : new FraudOutcome();
            o.timestampMs = buffer.getLong(offset);
            o.cardId = buffer.getLong(offset + 8);
            o.amountCents = buffer.getLong(offset + 16);
            o.sendTimeNs = buffer.getLong(offset + 24);
            o.merchantId = buffer.getLong(offset + 32);
            o.averageCents = buffer.getLong(offset + 40);
            o.sessionStartMs = buffer.getLong(offset + 48);
            o.sessionCount = buffer.getLong(offset + 56);
            o.sessionSumCents = buffer.getLong(offset + 64);
            final int kind = buffer.getInt(offset + 72);
            if (kind < 0 || kind >= KINDS.length)
            {
                throw new IllegalArgumentException("fraud outcome: unknown kind " + kind);
            }
            o.kind = KINDS[kind];
            o.alerts = buffer.getInt(offset + 76);
            o.country = buffer.getInt(offset + 80);
            o.homeCountry = buffer.getInt(offset + 84);
            o.ruleVersion = buffer.getInt(offset + 88);
            o.recentCount = buffer.getInt(offset + 92);
            o.topCategory = buffer.getInt(offset + 96);
            return o;
        }
    }
}
