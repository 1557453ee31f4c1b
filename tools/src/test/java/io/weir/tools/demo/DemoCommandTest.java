package io.weir.tools.demo;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.HandlerSink;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.engine.runtime.checkpoint.RestorePlanner;
import io.weir.tools.cli.WeirCli;
import io.weir.tools.common.Backends;
import io.weir.tools.examples.CardVelocityExample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class DemoCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRunAShortDemoAndReportLatencyAlertsAndCheckpoints()
    {
        final Path checkpoints = dir.resolve("chk");
        // The default seed's stream has a velocity burst and a spike within its first few thousand transactions.
        final int exit = run("demo", "--duration-s", "3", "--rate", "20000", "--cards", "10000", "--shards", "2",
            "--checkpoint-dir", checkpoints.toString(), "--checkpoint-interval-ms", "200");

        assertEquals(0, exit, out() + err);
        final String output = out();
        assertTrue(output.contains("Latency, intended send time -> outcome"), output);
        assertTrue(output.contains("p99.9"), output);
        // Paced by intended send time: after the warm-up the generator sends the rate, plus any backlog it catches up.
        final long afterWarmup = count(output, "^Done in .* ([0-9][^ ]*)/s after the warm-up");
        assertTrue(afterWarmup > 0 && afterWarmup <= 2 * 20_000, "rate after the warm-up: " + output);
        final long velocity = count(output, "^  velocity +([0-9][^ ]*) ");
        final long spike = count(output, "^  spike +([0-9][^ ]*) ");
        final long abroad = count(output, "^  abroad +([0-9][^ ]*) ");
        final long sessions = count(output, "^  session summary +([0-9][^ ]*) ");
        assertTrue(velocity + spike + abroad > 0, "alerts were raised: " + output);
        assertTrue(sessions > 0, "sessions were summarised: " + output);
        // The tightened rules are published half-way: both versions scored transactions, and every shard switched.
        assertTrue(count(output, "^  v1 +([0-9][^ ]*) transactions") > 0, output);
        assertTrue(count(output, "^  v2 +([0-9][^ ]*) transactions") > 0, output);
        assertTrue(output.contains("applied by 2 of 2 shard(s)"), output);
        assertTrue(count(output, "^Per merchant: ([0-9][^ ]*) window totals") > 0, "merchant windows: " + output);
        final long completed = count(output, "^Checkpoints: ([0-9][^ ]*) completed");
        assertTrue(completed > 0, "checkpoints completed: " + output);
        assertTrue(count(output, "^Checkpoints: .* median ([0-9][^ ]*) us, max") <=
            count(output, "^Checkpoints: .* max ([0-9][^ ]*) us, max async"), "pause median and max: " + output);
        assertTrue(output.contains("./weir snapshot list " + checkpoints), output);
        assertTrue(Files.isDirectory(checkpoints), "checkpoints left for inspection");
    }

    @Test
    void shouldResumeFromACheckpointHoldingStateTheDemoNoLongerHasOnlyWhenAllowed() throws Exception
    {
        final Path checkpoints = dir.resolve("older");
        checkpointAScoringStageWithAStateOfItsOwn(checkpoints);

        final String[] demo = {"demo", "--duration-s", "1", "--rate", "2000", "--cards", "1000", "--shards", "2",
            "--checkpoint-dir", checkpoints.toString()};
        assertEquals(1, run(demo), out() + err);
        final String refused = err.toString(StandardCharsets.UTF_8);
        assertTrue(refused.contains("holds state 'legacy-count'") && refused.contains("--allow-non-restored-state"),
            refused);

        err.reset();
        final String[] allowed = Arrays.copyOf(demo, demo.length + 1);
        allowed[demo.length] = "--allow-non-restored-state";
        assertEquals(0, run(allowed), out() + err);
        final String resumed = err.toString(StandardCharsets.UTF_8);
        assertTrue(resumed.contains("resuming from checkpoint") &&
            resumed.contains("state 'legacy-count'") && resumed.contains("is not restored"), resumed);
    }

    /**
     * A checkpoint, of a job named like the demo, whose "score" stage keeps a state the demo does not register; left
     * as a stopped run leaves it.
     */
    private static void checkpointAScoringStageWithAStateOfItsOwn(final Path checkpoints) throws Exception
    {
        final Dataflow flow = Dataflow.named("fraud-demo");
        flow.source(FraudPipeline.TRANSACTIONS, CardTransaction.Codec.INSTANCE)
            .timestamps(CardTransaction::timestampMs, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(CardTransaction::cardId)
            .<CardTransaction>process(LegacyCount::new).uid("score")
            .returns(CardTransaction.Codec.INSTANCE)
            .sinkTo(new HandlerSink<CardTransaction>((shard, txn) -> { }));
        try (WeirJob<Object, Object> job = new WeirContext().shards(2)
            .stateBackend(Backends.create(Backends.DEFAULT, null, false))
            .checkpoints(CheckpointSettings.every(checkpoints, 3_600_000)).build(flow))
        {
            job.start();
            final Producer<CardTransaction> producer = job.producer(FraudPipeline.TRANSACTIONS, 0);
            final CardTransaction txn = new CardTransaction();
            for (long card = 0; card < 100; card++)
            {
                assertTrue(producer.offer(txn.set(1_000 + card, card, 100, 1, System.nanoTime()),
                    TimeUnit.SECONDS.toNanos(10)));
            }
            // An application producer injects a requested barrier when it is offered an element or asked to.
            final CompletableFuture<CheckpointStats> checkpoint = job.triggerCheckpoint();
            while (!checkpoint.isDone())
            {
                producer.tryInjectRequestedBarrier();
                Thread.onSpinWait();
            }
            checkpoint.get();
        }
        // Closing marks the input finished; without the marker the directory is that of a run that was stopped.
        Files.delete(checkpoints.resolve(RestorePlanner.FINISHED_MARKER));
    }

    /** Counts a card's transactions in a state of its own. */
    private static final class LegacyCount extends KeyedProcessFunction<Long, CardTransaction, CardTransaction>
    {
        private LongValueState count;

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("legacy-count"));
        }

        public void processElement(
            final CardTransaction value, final Context ctx, final Collector<CardTransaction> out)
        {
            count.update(count.valueOr(0) + 1);
        }
    }

    /** The number in group 1 of the first line matching {@code regex}, digit grouping of any locale removed. */
    private static long count(final String output, final String regex)
    {
        final Matcher matcher = Pattern.compile(regex, Pattern.MULTILINE).matcher(output);
        assertTrue(matcher.find(), "a line matching " + regex + " in:\n" + output);
        return Long.parseLong(matcher.group(1).replaceAll("[^0-9]", ""));
    }

    @Test
    void shouldExplainEveryOption()
    {
        assertEquals(0, run("demo", "--help"));
        for (final String option : new String[]{"--duration-s", "--rate", "--cards", "--seed", "--shards",
            "--backend", "--checkpoint-dir", "--checkpoint-interval-ms", "--time-scale", "--out-of-order-ms",
            "--samples", "--allow-non-restored-state"})
        {
            assertTrue(out().contains(option), option);
        }
    }

    @Test
    void shouldRejectABadOptionWithOneLineAndExitCode2()
    {
        assertEquals(2, run("demo", "--rate", "fast"));
        assertEquals("weir demo: --rate must be an integer, got 'fast'\n", err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("demo", "--speed", "1"));
        assertEquals(2, run("demo", "--backend", "rocks"));
    }

    @Test
    void shouldRunTheEmbeddingExampleToTheEnd() throws Exception
    {
        final PrintStream stdout = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            CardVelocityExample.main(new String[0]);
        }
        finally
        {
            System.setOut(stdout);
        }
        final String output = captured.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains(2 * CardVelocityExample.TRANSACTIONS_PER_THREAD + " transactions"), output);
        assertTrue(output.contains("alert: card " + CardVelocityExample.SUSPECT_CARD), output);
    }
}
