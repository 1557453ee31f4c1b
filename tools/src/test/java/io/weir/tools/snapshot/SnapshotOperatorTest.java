package io.weir.tools.snapshot;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SinkWriter;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.state.offheap.ChronicleStateBackend;
import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code weir snapshot} on a checkpoint of a job of two keyed operators: {@code --operator} picks one. */
@Timeout(60)
class SnapshotOperatorTest
{
    @TempDir
    Path root;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Counts its key's elements in state NAME and emits its key. */
    static final class Counter extends KeyedProcessFunction<Long, Long, Long>
    {
        private final String name;
        private LongValueState count;

        Counter(final String name)
        {
            this.name = name;
        }

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor(name));
        }

        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            count.update(count.valueOr(0) + 1);
            out.collect(value);
        }
    }

    private int run(final String... args)
    {
        out.reset();
        err.reset();
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Checkpoint 1 after 0..11, checkpoint 2 after 12..17, of the two counters {@code mod3} and {@code mod2}. */
    private Path twoCheckpoints() throws Exception
    {
        final Path checkpoints = root.resolve("checkpoints");
        final Dataflow flow = Dataflow.named("two-counters");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v % 3)
            .process(() -> new Counter("by3")).uid("mod3").returns(LongCodec.INSTANCE)
            .keyBy(v -> v % 2)
            .process(() -> new Counter("by2")).uid("mod2")
            .sinkTo(new SinkFactory<Long>()
            {
                public SinkWriter<Long> createWriter(final int shardId, final int shards)
                {
                    return new SinkWriter<>()
                    {
                        public void collect(final Long value)
                        {
                        }

                        public void close()
                        {
                        }
                    };
                }
            });
        final WeirJob<Object, Object> job = new WeirContext().shards(2)
            .stateBackend(new ChronicleStateBackend(new ChronicleStateBackend.Context().entriesPerShard(1024)))
            .checkpoints(CheckpointSettings.every(checkpoints, 0)).build(flow);
        try
        {
            job.start();
            final Producer<Long> producer = job.producer("numbers", 0);
            for (final long end : new long[] {12, 18})
            {
                for (long v = end == 12 ? 0 : 12; v < end; v++)
                {
                    assertTrue(producer.offer(v, TimeUnit.SECONDS.toNanos(10)));
                }
                final var future = job.triggerCheckpoint();
                while (!future.isDone())
                {
                    producer.tryInjectRequestedBarrier();
                    Thread.sleep(1);
                }
                future.get();
            }
        }
        finally
        {
            job.close(WeirJob.CloseMode.DISCARD);
        }
        return checkpoints;
    }

    @Test
    void dumpPrintsTheStateOfTheOperatorNamed() throws Exception
    {
        final String checkpoint = twoCheckpoints().toString();
        assertEquals(1, run("snapshot", "dump", checkpoint, "--id", "1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("operators [mod3, mod2]; choose one with --operator"),
            err.toString(StandardCharsets.UTF_8));

        assertEquals(0, run("snapshot", "dump", checkpoint, "--id", "1", "--operator", "mod3", "--state", "by3"),
            err.toString(StandardCharsets.UTF_8));
        final List<String> mod3 = out.toString(StandardCharsets.UTF_8).lines().skip(1).sorted().toList();
        assertEquals(3, mod3.size(), String.join("\n", mod3));
        assertTrue(mod3.stream().allMatch(line -> line.startsWith("by3,") && line.endsWith(",4")), mod3.toString());

        assertEquals(0, run("snapshot", "dump", checkpoint, "--id", "1", "--operator", "mod2"),
            err.toString(StandardCharsets.UTF_8));
        final List<String> mod2 = out.toString(StandardCharsets.UTF_8).lines().skip(1).sorted().toList();
        assertEquals(2, mod2.size(), String.join("\n", mod2));
        assertTrue(mod2.stream().allMatch(line -> line.startsWith("by2,") && line.endsWith(",6")), mod2.toString());

        assertEquals(1, run("snapshot", "dump", checkpoint, "--id", "1", "--operator", "nope"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("its operators are [mod3, mod2]"),
            err.toString(StandardCharsets.UTF_8));
    }

    /** Keeps the broadcast elements as rules {@code "r" + value -> value * 10}. */
    static final class Rules extends io.weir.api.KeyedBroadcastProcessFunction<Long, Long, Long, Long>
    {
        static final io.weir.api.state.MapStateDescriptor<String, Long> RULES = new io.weir.api.state.MapStateDescriptor<>(
            "RULES", io.weir.api.codec.StringCodec.INSTANCE, LongCodec.INSTANCE);

        public void processElement(final Long value, final ReadOnlyContext ctx, final Collector<Long> out)
        {
        }

        public void processBroadcastElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            ctx.getBroadcastState(RULES).put("r" + value, value * 10);
        }
    }

    @Test
    void dumpAndVerifyCoverTheBroadcastStateFile() throws Exception
    {
        final Path checkpoints = root.resolve("checkpoints");
        final Dataflow flow = Dataflow.named("rules");
        final io.weir.api.dataflow.BroadcastStream<Long> rules = flow.source("rules", LongCodec.INSTANCE)
            .timestamps(v -> 0, WatermarkStrategy.noWatermarks())
            .broadcast(Rules.RULES);
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v)
            .process(() -> new Counter("count")).uid("count").returns(LongCodec.INSTANCE)
            .keyBy(v -> v)
            .connect(rules)
            .process(Rules::new).uid("rules-op");
        final WeirJob<Object, Object> job = new WeirContext().shards(2)
            .checkpoints(CheckpointSettings.every(checkpoints, 0)).build(flow);
        try
        {
            job.start();
            final Producer<Long> producer = job.producer("rules", 0);
            for (long v = 1; v <= 3; v++)
            {
                assertTrue(producer.offer(v, TimeUnit.SECONDS.toNanos(10)));
            }
            final var future = job.triggerCheckpoint();
            while (!future.isDone())
            {
                producer.tryInjectRequestedBarrier();
                job.producer("numbers", 0).tryInjectRequestedBarrier();
                Thread.sleep(1);
            }
            future.get();
        }
        finally
        {
            job.close(WeirJob.CloseMode.DISCARD);
        }
        final String checkpoint = checkpoints.toString();
        assertEquals(0, run("snapshot", "dump", checkpoint, "--id", "1", "--operator", "rules-op", "--state", "RULES"),
            err.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("RULES,0,,r1,10", "RULES,0,,r2,20", "RULES,0,,r3,30"),
            out.toString(StandardCharsets.UTF_8).lines().skip(1).sorted().toList());
        assertEquals(0, run("snapshot", "dump", checkpoint, "--id", "1", "--operator", "rules-op"),
            err.toString(StandardCharsets.UTF_8));
        assertEquals(3, out.toString(StandardCharsets.UTF_8).lines().skip(1).count(), "no keyed state, 3 rules");

        assertEquals(0, run("snapshot", "verify", checkpoint, "--id", "1"), err.toString(StandardCharsets.UTF_8) +
            out.toString(StandardCharsets.UTF_8));
        final Path broadcastFile;
        try (var files = java.nio.file.Files.list(checkpoints.resolve("shared")))
        {
            broadcastFile = files.filter(f -> f.getFileName().toString().startsWith("rules-op-broadcast-chk-"))
                .findFirst().orElseThrow();
        }
        final byte[] bytes = java.nio.file.Files.readAllBytes(broadcastFile);
        bytes[bytes.length / 2] ^= 0x55;
        java.nio.file.Files.write(broadcastFile, bytes);
        assertEquals(1, run("snapshot", "verify", checkpoint, "--id", "1"));
        assertTrue((out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8))
            .contains(broadcastFile.getFileName().toString()), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void verifyChecksEveryOperatorOrTheOneNamed() throws Exception
    {
        final String checkpoint = twoCheckpoints().toString();
        assertEquals(0, run("snapshot", "verify", checkpoint, "--id", "1"), err.toString(StandardCharsets.UTF_8));
        final String all = out.toString(StandardCharsets.UTF_8);

        assertEquals(0, run("snapshot", "verify", checkpoint, "--id", "1", "--operator", "mod3"),
            err.toString(StandardCharsets.UTF_8));
        final String mod3 = out.toString(StandardCharsets.UTF_8);
        assertTrue(mod3.startsWith("weir snapshot verify: OK: checkpoint 1 operator mod3 ("), mod3);
        assertTrue(fileCount(mod3) > 0 && fileCount(mod3) < fileCount(all), all + mod3);

        assertEquals(0, run("snapshot", "verify", checkpoint, "--operator", "mod2"),
            err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("OK: 2 checkpoint(s)"),
            out.toString(StandardCharsets.UTF_8));

        assertEquals(1, run("snapshot", "verify", checkpoint, "--id", "2", "--operator", "nope"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(
            "--operator nope: the checkpoint holds no state of it; its operators are [mod3, mod2]"),
            err.toString(StandardCharsets.UTF_8));
    }

    private static int fileCount(final String verifyOutput)
    {
        final java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(\\d+) file\\(s\\)")
            .matcher(verifyOutput);
        assertTrue(matcher.find(), verifyOutput);
        return Integer.parseInt(matcher.group(1));
    }

    @Test
    void diffComparesTheOperatorNamedOrEveryOperatorByUid() throws Exception
    {
        final Path checkpoints = twoCheckpoints();
        final String first = checkpoints.resolve("chk-0000000001").toString();
        final String second = checkpoints.resolve("chk-0000000002").toString();
        assertEquals(0, run("snapshot", "diff", first, second, "--operator", "mod3"),
            err.toString(StandardCharsets.UTF_8));
        final String mod3 = out.toString(StandardCharsets.UTF_8);
        assertTrue(mod3.contains("state by3: 0 added, 0 removed, 3 changed (3 -> 3 entries)"), mod3);
        assertTrue(mod3.contains(": 4 -> 6"), mod3);
        assertTrue(!mod3.contains("by2"), mod3);

        assertEquals(0, run("snapshot", "diff", first, second), err.toString(StandardCharsets.UTF_8));
        final String every = out.toString(StandardCharsets.UTF_8);
        assertTrue(every.contains("state mod3/by3: 0 added, 0 removed, 3 changed (3 -> 3 entries)"), every);
        assertTrue(every.contains("state mod2/by2: 0 added, 0 removed, 2 changed (2 -> 2 entries)"), every);
        assertTrue(every.contains("total: 0 added, 0 removed, 5 changed"), every);

        assertEquals(1, run("snapshot", "diff", first, second, "--operator", "nope"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("its operators are [mod3, mod2]"),
            err.toString(StandardCharsets.UTF_8));
    }
}
