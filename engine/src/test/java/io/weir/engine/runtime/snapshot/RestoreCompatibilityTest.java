package io.weir.engine.runtime.snapshot;

import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.JobFailedException;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.state.StateLayoutDescriptor;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restore refuses a checkpoint whose states the job would misread (another job, a state's kind, codec or TTL
 * switched on or off, a state the job no longer has), naming the state and what changed; it drops removed state
 * only when allowed, starts added state empty, and takes a changed TTL duration.
 */
@Timeout(120)
class RestoreCompatibilityTest
{
    private static final int KEYS = 10;
    private static final long EVENTS = 200;

    @TempDir
    Path dir;

    /** How the job under test declares its state {@code history}. */
    enum History
    {
        LIST_LONG, LIST_LONG_TTL_10S, LIST_LONG_TTL_20S, LIST_STRING, VALUE_LONG, NONE
    }

    /**
     * Keeps per key a sum ({@code sum}), the elements seen ({@code history}, declared as {@link History}) and,
     * when {@code extra}, a count of elements since the state was added. Emits per element
     * {@code key:sum:historySize:extraBefore}.
     */
    static final class Function extends KeyedProcessFunction<Long, Long, String>
    {
        private final History historyKind;
        private final boolean extra;
        private LongValueState sum;
        private ListState<Long> history;
        private ListState<String> historyStrings;
        private ValueState<Long> historyValue;
        private LongValueState added;

        Function(final History historyKind, final boolean extra)
        {
            this.historyKind = historyKind;
            this.extra = extra;
        }

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
            switch (historyKind)
            {
                case LIST_LONG -> history = runtimeContext.getListState(new ListStateDescriptor<>("history",
                    LongCodec.INSTANCE));
                case LIST_LONG_TTL_10S, LIST_LONG_TTL_20S ->
                {
                    final ListStateDescriptor<Long> descriptor = new ListStateDescriptor<>("history",
                        LongCodec.INSTANCE);
                    descriptor.enableTimeToLive(StateTtlConfig.newBuilder(
                        historyKind == History.LIST_LONG_TTL_10S ? 10_000 : 20_000).build());
                    history = runtimeContext.getListState(descriptor);
                }
                case LIST_STRING -> historyStrings = runtimeContext.getListState(new ListStateDescriptor<>(
                    "history", StringCodec.INSTANCE));
                case VALUE_LONG -> historyValue = runtimeContext.getState(new ValueStateDescriptor<>("history",
                    LongCodec.INSTANCE));
                case NONE ->
                {
                }
            }
            if (extra)
            {
                added = runtimeContext.getLongState(new LongValueStateDescriptor("added"));
            }
        }

        public void processElement(final Long value, final Context ctx, final Collector<String> out)
        {
            sum.update(sum.valueOr(0) + value);
            int size = -1;
            if (history != null)
            {
                history.add(value);
                size = 0;
                for (final Long ignored : history.get())
                {
                    size++;
                }
            }
            String extraBefore = "-";
            if (added != null)
            {
                extraBefore = Long.toString(added.valueOr(0));
                added.update(added.valueOr(0) + 1);
            }
            out.collect(ctx.getCurrentKey() + ":" + sum.valueOr(0) + ":" + size + ":" + extraBefore);
        }
    }

    private final Map<String, Boolean> results = new ConcurrentHashMap<>();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private final Map<Integer, Boolean> shardsEmitting = new ConcurrentHashMap<>();

    private WeirJob<Long, String> job(
        final String name, final History history, final boolean extra, final CheckpointSettings settings)
    {
        return job(name, () -> new Function(history, extra), settings);
    }

    private WeirJob<Long, String> job(
        final String name,
        final java.util.function.Supplier<KeyedProcessFunction<Long, Long, String>> function,
        final CheckpointSettings settings)
    {
        return JobBuilder.named(name, LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v % KEYS)
            .process(function)
            .sink(new HandlerSink<>((shard, value) ->
            {
                shardsEmitting.put(shard, Boolean.TRUE);
                results.put(value, Boolean.TRUE);
            }))
            .build(new WeirContext()
                .shards(2)
                .externalProducers(1)
                .checkpoints(settings)
                .log(log::add)
                .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
                .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1)));
    }

    private static void offer(final Producer<Long> producer, final long from, final long to)
    {
        for (long i = from; i < to; i++)
        {
            assertTrue(producer.offer(i, TimeUnit.SECONDS.toNanos(10)));
        }
    }

    /** Runs job 'velocity' with {@code history}, checkpoints after {@link #EVENTS} elements, and discards it. */
    private CheckpointManifest checkpointed(final History history) throws Exception
    {
        return checkpointed(job("velocity", history, false, CheckpointSettings.every(dir, 0)));
    }

    private CheckpointManifest checkpointed(final WeirJob<Long, String> first) throws Exception
    {
        first.start();
        offer(first.producer(0), 0, EVENTS);
        final CompletableFuture<CheckpointStats> future = first.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone() && System.nanoTime() < deadline)
        {
            first.producer(0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        future.get(1, TimeUnit.SECONDS);
        first.close(WeirJob.CloseMode.DISCARD);
        results.clear();
        return new io.weir.snapshot.CheckpointDirectory(dir).latestComplete()
            .map(listing -> new io.weir.snapshot.CheckpointDirectory(dir).readManifest(listing)).orElseThrow();
    }

    /** The message of the failure of a job whose shards refuse the restore as they open. */
    private static String refusal(final WeirJob<Long, String> job) throws InterruptedException
    {
        job.start();
        final JobFailedException failure = assertThrows(JobFailedException.class,
            () -> job.awaitTermination(60, TimeUnit.SECONDS));
        assertThrows(JobFailedException.class, () -> job.close(WeirJob.CloseMode.DISCARD), "close rethrows it");
        return failure.getCause().getMessage();
    }

    private static void assertNames(final String message, final String... parts)
    {
        for (final String part : parts)
        {
            assertTrue(message.contains(part), "'" + part + "' not in: " + message);
        }
    }

    /** Offers one more element per key and returns what the job emitted for them, by key. */
    private Map<Long, String> oneMoreElementPerKey(final WeirJob<Long, String> job)
    {
        job.start();
        offer(job.producer(0), EVENTS, EVENTS + KEYS);
        job.close();
        final Map<Long, String> byKey = new TreeMap<>();
        for (final String line : results.keySet())
        {
            byKey.put(Long.parseLong(line.substring(0, line.indexOf(':'))), line);
        }
        return byKey;
    }

    /** What {@link Function} emits for the element of each key after {@link #EVENTS}, when every state restored. */
    private static Map<Long, String> expected(final boolean history, final String extraBefore)
    {
        final Map<Long, String> expected = new TreeMap<>();
        for (long key = 0; key < KEYS; key++)
        {
            long sum = 0;
            int count = 0;
            for (long v = 0; v <= EVENTS + key; v++)
            {
                if (v % KEYS == key && (v < EVENTS || v == EVENTS + key))
                {
                    sum += v;
                    count++;
                }
            }
            expected.put(key, key + ":" + sum + ":" + (history ? count : -1) + ":" + extraBefore);
        }
        return expected;
    }

    @Test
    void shouldRefuseTurningTtlOnForAState() throws Exception
    {
        checkpointed(History.LIST_LONG);
        final String message = refusal(job("velocity", History.LIST_LONG_TTL_10S, false,
            CheckpointSettings.every(dir, 0)));
        assertNames(message, "cannot restore checkpoint ", "chk-", "into job 'velocity'",
            "state 'history' was list<long> with TTL off, is now list<long> with TTL 10000 ms");
    }

    @Test
    void shouldRefuseTurningTtlOffForAState() throws Exception
    {
        checkpointed(History.LIST_LONG_TTL_10S);
        final String message = refusal(job("velocity", History.LIST_LONG, false, CheckpointSettings.every(dir, 0)));
        assertNames(message, "state 'history' was list<long> with TTL 10000 ms, is now list<long> with TTL off");
    }

    @Test
    void shouldRestoreAStateWhoseTtlDurationChanged() throws Exception
    {
        checkpointed(History.LIST_LONG_TTL_10S);
        final WeirJob<Long, String> restored =
            job("velocity", History.LIST_LONG_TTL_20S, false, CheckpointSettings.every(dir, 0));
        assertEquals(expected(true, "-"), oneMoreElementPerKey(restored));
        assertTrue(log.stream().anyMatch(line -> line.contains("state 'history': TTL 10000 ms") &&
            line.contains("now 20000 ms")), "the changed duration is logged: " + log);
    }

    @Test
    void shouldRefuseAChangedCodec() throws Exception
    {
        checkpointed(History.LIST_LONG);
        final String message = refusal(job("velocity", History.LIST_STRING, false, CheckpointSettings.every(dir, 0)));
        assertNames(message, "into job 'velocity'",
            "state 'history' was list<long> with TTL off, is now list<string-utf8> with TTL off");
    }

    @Test
    void shouldRefuseAChangedKind() throws Exception
    {
        checkpointed(History.LIST_LONG);
        final String message = refusal(job("velocity", History.VALUE_LONG, false, CheckpointSettings.every(dir, 0)));
        assertNames(message, "state 'history' was list<long> with TTL off, is now value<long> with TTL off");
    }

    @Test
    void shouldRefuseACheckpointOfAnotherJobBeforeTouchingAnything() throws Exception
    {
        final CheckpointManifest manifest = checkpointed(History.LIST_LONG);
        final IllegalArgumentException resumed = assertThrows(IllegalArgumentException.class,
            () -> job("acceleration", History.LIST_LONG, false, CheckpointSettings.every(dir, 0)));
        assertNames(resumed.getMessage(), "cannot restore checkpoint ", "into job 'acceleration'",
            "it was taken by job 'velocity'");
        final Path explicit = new io.weir.snapshot.CheckpointDirectory(dir).checkpointDirectory(
            manifest.checkpointId());
        final IllegalArgumentException restored = assertThrows(IllegalArgumentException.class,
            () -> job("acceleration", History.LIST_LONG, false,
                CheckpointSettings.every(dir.resolve("other"), 0).restoreFrom(explicit)));
        assertNames(restored.getMessage(), "cannot restore checkpoint " + explicit, "into job 'acceleration'",
            "it was taken by job 'velocity'");
    }

    @Test
    void shouldRecordTheStateLayoutAndRefuseOneItDoesNotRead() throws Exception
    {
        final CheckpointManifest manifest = checkpointed(History.LIST_LONG);
        assertEquals(Integer.toString(StateLayoutDescriptor.LAYOUT_VERSION),
            manifest.properties().get(RestoreCompatibility.LAYOUT_PROPERTY));
        final Path path = dir.resolve("chk");
        final IllegalArgumentException later = assertThrows(IllegalArgumentException.class,
            () -> RestoreCompatibility.checkJob(withLayout("99"), path, "velocity", "long"));
        assertNames(later.getMessage(), "into job 'velocity'", "its state is in layout 99",
            "this build reads layouts 2 to " + StateLayoutDescriptor.LAYOUT_VERSION, "the build of Weir that took it");
        final IllegalArgumentException first = assertThrows(IllegalArgumentException.class,
            () -> RestoreCompatibility.checkJob(withLayout("1"), path, "velocity", "long"));
        assertNames(first.getMessage(), "its state is in layout 1", "an earlier build of Weir");
        final IllegalArgumentException damaged = assertThrows(IllegalArgumentException.class,
            () -> RestoreCompatibility.checkJob(withLayout("three"), path, "velocity", "long"));
        assertNames(damaged.getMessage(), "manifest property state.layout is 'three'", "the manifest is damaged");
        RestoreCompatibility.checkJob(withLayout("2"), path, "velocity", "long");
        RestoreCompatibility.checkJob(withLayout(null), path, "velocity", "long");
    }

    /** A manifest of job velocity with the given layout property (null: none, as format-5 manifests have). */
    private static CheckpointManifest withLayout(final String layout)
    {
        final CheckpointManifest.Builder builder = CheckpointManifest.builder()
            .checkpointId(1).kind(CheckpointKind.CHECKPOINT).maxParallelism(128)
            .backendName("heap").property(RestoreCompatibility.JOB_PROPERTY, "velocity");
        if (layout != null)
        {
            builder.property(RestoreCompatibility.LAYOUT_PROPERTY, layout);
        }
        return builder.build();
    }

    @Test
    void shouldRefuseAChangedKeyCodec() throws Exception
    {
        checkpointed(History.LIST_LONG);
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> JobBuilder.named("velocity", LongCodec.INSTANCE)
                .timestamps(v -> v, WatermarkStrategy.noWatermarks())
                .keyBy(v -> Long.toString(v % KEYS), StringCodec.INSTANCE)
                .process(() -> new KeyedProcessFunction<String, Long, String>()
                {
                    public void processElement(final Long value, final Context ctx, final Collector<String> out)
                    {
                    }
                })
                .sink(new HandlerSink<>((shard, value) -> { }))
                .build(new WeirContext().externalProducers(1).checkpoints(CheckpointSettings.every(dir, 0))));
        assertNames(refused.getMessage(), "into job 'velocity'", "keys were written with codec 'long'",
            "key codec is now 'string-utf8'");
    }

    @Test
    void shouldRefuseARemovedStateUnlessNonRestoredStateIsAllowed() throws Exception
    {
        checkpointed(History.LIST_LONG);
        final String message = refusal(job("velocity", History.NONE, false, CheckpointSettings.every(dir, 0)));
        assertNames(message, "into job 'velocity'", "state 'history' (list<long> with TTL off)",
            "does not register", "register it in open()", "--allow-non-restored-state");

        final WeirJob<Long, String> allowed = job("velocity", History.NONE, false,
            CheckpointSettings.every(dir, 0).allowNonRestoredState(true));
        assertEquals(expected(false, "-"), oneMoreElementPerKey(allowed), "sum is restored, history dropped");
        assertTrue(log.stream().anyMatch(line -> line.contains("state 'history' (list<long> with TTL off)") &&
            line.contains("is not restored")), "the dropped state is logged: " + log);
    }

    @Test
    void shouldStartAnAddedStateEmpty() throws Exception
    {
        checkpointed(History.LIST_LONG);
        final WeirJob<Long, String> restored = job("velocity", History.LIST_LONG, true,
            CheckpointSettings.every(dir, 0));
        assertEquals(expected(true, "0"), oneMoreElementPerKey(restored));
    }

    /**
     * Registers {@code a} and {@code b} on first use, shard 0 in that order and shard 1 the other way round; adds
     * each element to {@code a} and twice it to {@code b}.
     */
    static final class LazyFunction extends KeyedProcessFunction<Long, Long, String>
    {
        private RuntimeContext runtimeContext;
        private LongValueState a;
        private LongValueState b;

        public void open(final RuntimeContext runtimeContext)
        {
            this.runtimeContext = runtimeContext;
        }

        public void processElement(final Long value, final Context ctx, final Collector<String> out)
        {
            if (a == null)
            {
                if (runtimeContext.shardId() == 0)
                {
                    a = runtimeContext.getLongState(new LongValueStateDescriptor("a"));
                    b = runtimeContext.getLongState(new LongValueStateDescriptor("b"));
                }
                else
                {
                    b = runtimeContext.getLongState(new LongValueStateDescriptor("b"));
                    a = runtimeContext.getLongState(new LongValueStateDescriptor("a"));
                }
            }
            a.update(a.valueOr(0) + value);
            b.update(b.valueOr(0) + 2 * value);
        }
    }

    /** Registers {@code a} and {@code b} in open(), so a restore loads them; emits {@code key:a:b} per element. */
    static final class EagerFunction extends KeyedProcessFunction<Long, Long, String>
    {
        private LongValueState a;
        private LongValueState b;

        public void open(final RuntimeContext runtimeContext)
        {
            a = runtimeContext.getLongState(new LongValueStateDescriptor("a"));
            b = runtimeContext.getLongState(new LongValueStateDescriptor("b"));
        }

        public void processElement(final Long value, final Context ctx, final Collector<String> out)
        {
            a.update(a.valueOr(0) + value);
            b.update(b.valueOr(0) + 2 * value);
            out.collect(ctx.getCurrentKey() + ":" + a.valueOr(0) + ":" + b.valueOr(0));
        }
    }

    @Test
    void shouldGiveALazilyRegisteredStateOneIdOnEveryShard() throws Exception
    {
        final CheckpointManifest manifest = checkpointed(job("velocity", LazyFunction::new,
            CheckpointSettings.every(dir, 0)));
        assertEquals(List.of("a", "b"), manifest.states().stream().map(CheckpointManifest.StateDescriptor::name)
            .sorted().toList(), "the manifest describes every shard's states: " + manifest);

        final Map<Long, String> restored = oneMoreElementPerKey(job("velocity", EagerFunction::new,
            CheckpointSettings.every(dir, 0)));
        assertEquals(Map.of(0, true, 1, true), shardsEmitting, "keys of both shards are restored");
        final Map<Long, String> expected = new TreeMap<>();
        for (long key = 0; key < KEYS; key++)
        {
            long sum = 0;
            for (long v = key; v < EVENTS; v += KEYS)
            {
                sum += v;
            }
            sum += EVENTS + key;
            expected.put(key, key + ":" + sum + ":" + 2 * sum);
        }
        assertEquals(expected, restored, "every shard's a and b are restored as a and b");
    }
}
