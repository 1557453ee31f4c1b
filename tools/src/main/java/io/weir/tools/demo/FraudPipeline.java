package io.weir.tools.demo;

import io.weir.api.connector.SinkFactory;
import io.weir.api.dataflow.BroadcastStream;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.window.TumblingEventTimeWindows;

/**
 * The demo's dataflow, written with the public API:
 * <pre>
 *  transactions --+
 *                 +- connect, keyBy card -> ProfileJoin ("enrich") -- keyBy card --+
 *  profiles ------+                                                               +- connect -> FraudDetector
 *  rules ------------------------------------------------- broadcast(rules) ------+   ("score")
 *        score -> outcomes sink (alerts, summaries, rule changes; latency)
 *              -> scored transactions, keyBy merchant -> tumbling window aggregate ("merchant-totals") -> sink
 * </pre>
 * Three application sources, {@value #TRANSACTIONS}, {@value #PROFILES} and {@value #RULES}, one producer each.
 */
public final class FraudPipeline
{
    public static final String TRANSACTIONS = "transactions";
    public static final String PROFILES = "profiles";
    public static final String RULES = "rules";
    /** How long (event time) a transaction waits for its card's profile before it is scored without one. */
    public static final long PROFILE_WAIT_MS = 60_000;
    /** The per-merchant windows: 10 minutes of event time. */
    public static final long MERCHANT_WINDOW_MS = 10 * 60_000L;

    private FraudPipeline()
    {
    }

    /**
     * @param outOfOrdernessMs the watermark bound of every source.
     * @param sessionGapMs     inactivity (event time) that ends a card's session.
     * @param stateTtlMs       time to live of the scoring stage's per-card state; 0 disables it.
     * @param outcomes         every outcome of the scoring stage.
     * @param merchantTotals   the per-merchant window totals.
     * @param cardsPerShard    cards each shard will see: sizes the stores of the card-keyed stages (a profile
     *                         per card to enrich; count and sum, recent timestamps, a session and its categories to
     *                         score) and leaves the per-merchant windows a store of their own size.
     */
    public static Dataflow dataflow(
        final long outOfOrdernessMs,
        final long sessionGapMs,
        final long stateTtlMs,
        final SinkFactory<FraudOutcome> outcomes,
        final SinkFactory<MerchantTotals> merchantTotals,
        final long cardsPerShard)
    {
        final long cards = Math.max(1024, cardsPerShard);
        final Dataflow flow = Dataflow.named("fraud-demo");
        final WatermarkStrategy watermarks = WatermarkStrategy.forBoundedOutOfOrderness(outOfOrdernessMs);
        final BroadcastStream<FraudRules> rules = flow.source(RULES, FraudRules.Codec.INSTANCE)
            .timestamps(FraudRules::timestampMs, watermarks)
            .broadcast(FraudRules.STATE);
        final DataStream<CardProfile> profiles = flow.source(PROFILES, CardProfile.Codec.INSTANCE)
            .timestamps(CardProfile::timestampMs, watermarks);
        final DataStream<FraudOutcome> scored = flow.source(TRANSACTIONS, CardTransaction.Codec.INSTANCE)
            .timestamps(CardTransaction::timestampMs, watermarks)
            .connect(profiles)
            .keyBy(CardTransaction::cardId, CardProfile::cardId)
            .process(() -> new ProfileJoin(PROFILE_WAIT_MS)).uid("enrich").expectedEntriesPerShard(cards * 2)
            .returns(CardTransaction.Codec.INSTANCE)
            .keyBy(CardTransaction::cardId)
            .connect(rules)
            .<Long, FraudOutcome>process(() -> new FraudDetector(sessionGapMs, stateTtlMs)).uid("score")
            .expectedEntriesPerShard(cards * 8)
            .returns(FraudOutcome.Codec.INSTANCE);
        scored.sinkTo(outcomes).name("outcomes");
        scored.filter(FraudOutcome::isTransaction)
            .keyBy(outcome -> outcome.merchantId)
            .window(TumblingEventTimeWindows.of(MERCHANT_WINDOW_MS))
            .<MerchantTotals, MerchantTotals, MerchantTotals>aggregate(new MerchantTotals.Aggregate(),
                MerchantTotals.Codec.INSTANCE,
                (merchant, window, totals, out) -> out.collect(totals.of(merchant, window.end())))
            .uid("merchant-totals").expectedEntriesPerShard(TransactionGenerator.MERCHANTS * 4)
            .sinkTo(merchantTotals).name("merchant-totals");
        return flow;
    }
}
