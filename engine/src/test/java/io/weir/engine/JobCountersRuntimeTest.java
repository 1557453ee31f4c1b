package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.JobRuntimeTest.Item;
import io.weir.engine.JobRuntimeTest.ItemCodec;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.engine.counters.CountersDirectory;
import io.weir.engine.counters.CountersFile;
import io.weir.engine.counters.JobCounters;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A running job's counters, read from its file as another process would and through JMX. */
@Timeout(60)
class JobCountersRuntimeTest
{
    private static final int KEYS = 10;

    @TempDir
    Path dir;

    /** Counts per key and emits the count. */
    static final class CountingFunction extends KeyedProcessFunction<Long, Item, String>
    {
        private LongValueState count;

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            final long c = count.valueOr(0) + 1;
            count.update(c);
            out.collect(value.key + "," + c);
        }
    }

    private static Map<String, Long> read(final CountersFile file)
    {
        final Map<String, Long> values = new HashMap<>();
        file.reader().forEach((long value, int counterId, String label) -> values.put(label, value));
        return values;
    }

    private static long sum(final Map<String, Long> values, final String suffix)
    {
        long sum = 0;
        for (final Map.Entry<String, Long> value : values.entrySet())
        {
            sum += value.getKey().endsWith(suffix) ? value.getValue() : 0;
        }
        return sum;
    }

    private static void await(final CountersFile file, final Predicate<Map<String, Long>> condition,
        final String what) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, Long> values = read(file);
        while (!condition.test(values))
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("counters never showed " + what + ": " + values);
            }
            Thread.sleep(5);
            values = read(file);
        }
    }

    @Test
    void shouldPublishTheRunningJobsCountersInItsFileAndAsAnMBeanUntilClosed() throws Exception
    {
        final Path countersDir = dir.resolve("counters");
        final WeirContext context = new WeirContext()
            .shards(2)
            .externalProducers(1)
            .ringCapacityBytes(4096)
            .countersDirectory(countersDir)
            .checkpoints(CheckpointSettings.every(dir.resolve("checkpoints"), 0))
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        final Path counters;
        final ObjectName objectName;
        final int events = 2_000;
        try (WeirJob<Item, String> job = JobBuilder.named("counted", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(CountingFunction::new)
            .sink(new JobRuntimeTest.CollectingSink())
            .build(context))
        {
            assertFalse(Files.exists(countersDir), "nothing is published before the job starts");
            job.start();
            final CountersDirectory.Scan scan = CountersDirectory.scan(countersDir);
            assertEquals(1, scan.running().size());
            try (CountersFile file = scan.running().get(0))
            {
                counters = file.path();
                assertEquals("counted", file.jobName());
                final String baseName = counters.getFileName().toString().replace(".counters", "");
                objectName = new ObjectName(JobCounters.JMX_DOMAIN + ":type=Job,name=" + ObjectName.quote(baseName));
                assertTrue(server.isRegistered(objectName), objectName + " registered on start: the server exists");

                final Producer<Item> producer = job.producer(0);
                final Item item = new Item();
                long refused = 0;
                for (int i = 0; i < events; i++)
                {
                    item.set(i % KEYS, i, i, 0);
                    while (!producer.tryOffer(item))
                    {
                        refused++;
                    }
                }
                producer.emitWatermark(events);
                while (!producer.tryFlushWatermarks())
                {
                    Thread.onSpinWait();
                }
                final long refusedOffers = refused;
                await(file, values -> sum(values, ": events in") == events &&
                    sum(values, ": events out (main and side outputs)") == events &&
                    sum(values, ": state entries") == KEYS &&
                    values.get("shard 0: watermark (ms)") == events &&
                    values.get("shard 1: watermark (ms)") == events &&
                    sum(values, "ring bytes used") == 0 &&
                    values.get("producer 0: back-pressure (offers refused by a full ring)") == refusedOffers,
                    events + " events in and out, " + KEYS + " state entries, watermark " + events + ", " +
                    refusedOffers + " offers refused");
                assertTrue(refusedOffers > 0, "a 4 KiB ring refused some of " + events + " offers");

                final CompletableFuture<CheckpointStats> checkpoint = job.triggerCheckpoint();
                while (!checkpoint.isDone())
                {
                    producer.tryInjectRequestedBarrier();
                    Thread.sleep(1);
                }
                final CheckpointStats stats = checkpoint.get();
                await(file, values -> values.get("checkpoints completed") == 1, "one checkpoint completed");
                final Map<String, Long> values = read(file);
                assertEquals(stats.checkpointId(), values.get("checkpoint: last completed id"));
                assertEquals(stats.bytesWritten(), values.get("checkpoint: last bytes written"));
                assertEquals(stats.maxPauseNs() / 1000, values.get("checkpoint: last longest shard pause (us)"));
                assertEquals(0L, values.get("checkpoints failed"));
                assertEquals(0L, values.get("restores"));

                // The job is idle now: every MBean attribute equals the counter of the same label in the file.
                final MBeanAttributeInfo[] attributes = server.getMBeanInfo(objectName).getAttributes();
                assertEquals(values.size(), attributes.length);
                for (final MBeanAttributeInfo attribute : attributes)
                {
                    assertEquals(values.get(attribute.getDescription()),
                        server.getAttribute(objectName, attribute.getName()), attribute.getName());
                }
                assertEquals((long)events, (long)server.getAttribute(objectName, "Shard0EventsIn") +
                    (long)server.getAttribute(objectName, "Shard1EventsIn"));
            }
        }
        assertFalse(Files.exists(counters), "close removes the counters file");
        assertFalse(server.isRegistered(objectName), "close unregisters the MBean");
        assertEquals(Set.of(), Set.copyOf(server.queryNames(objectName, null)));
    }

    @Test
    void shouldCountEveryInstanceOfEveryOperatorOfATwoStageJob() throws Exception
    {
        final Path countersDir = dir.resolve("counters");
        final io.weir.api.dataflow.Dataflow flow = io.weir.api.dataflow.Dataflow.named("two stages");
        flow.source("numbers", io.weir.api.codec.LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v % 10).process(BroadcastDataflowTest.Identity::new).uid("first")
            .filter(v -> v % 2 == 0).returns(io.weir.api.codec.LongCodec.INSTANCE)
            .keyBy(v -> v % 7).process(BroadcastDataflowTest.Identity::new).uid("second")
            .sinkTo(new DataflowJobTest.ListSink<Long>());
        final int events = 1_000;
        try (io.weir.api.dataflow.Job job = flow.build(new WeirContext().shards(2).countersDirectory(countersDir)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))).start())
        {
            final io.weir.api.dataflow.SourceProducer<Long> producer = job.producer("numbers", 0);
            for (long v = 0; v < events; v++)
            {
                assertTrue(producer.offer(v, TimeUnit.SECONDS.toNanos(10)));
            }
            final CountersDirectory.Scan scan = CountersDirectory.scan(countersDir);
            try (CountersFile file = scan.running().get(0))
            {
                await(file, values -> sum(values, "'first' shard 0: events processed") +
                    sum(values, "'first' shard 1: events processed") == events &&
                    sum(values, "'second' shard 0: events processed") +
                    sum(values, "'second' shard 1: events processed") == events / 2,
                    events + " events into the first operator, " + events / 2 + " into the second");
                final Map<String, Long> values = read(file);
                assertEquals(events, values.get("operator 0 'first' shard 0: events emitted (main and side outputs)") +
                    values.get("operator 0 'first' shard 1: events emitted (main and side outputs)"), values.toString());
                assertEquals(events / 2, values.get("operator 1 'second' shard 0: events emitted (main and side " +
                    "outputs)") + values.get("operator 1 'second' shard 1: events emitted (main and side outputs)"));
                assertTrue(values.get("operator 0 'first' shard 0: events processed") > 0, "both instances count");
                assertTrue(values.get("operator 0 'first' shard 1: events processed") > 0, "both instances count");
                assertEquals(0L, values.get("operator 1 'second' shard 1: back-pressure (times a full ring stopped " +
                    "its input)"), "the last stage writes to a sink only");
            }
            producer.endOfInput();
            job.awaitTermination();
        }
    }

    @Test
    void shouldPublishNothingWhenCountersAreOff() throws Exception
    {
        final Path countersDir = dir.resolve("counters");
        final WeirContext context = new WeirContext()
            .shards(1)
            .externalProducers(1)
            .countersEnabled(false)
            .countersDirectory(countersDir)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
        final ObjectName weirBeans = new ObjectName(JobCounters.JMX_DOMAIN + ":*");
        final Set<ObjectName> before = ManagementFactory.getPlatformMBeanServer().queryNames(weirBeans, null);
        try (WeirJob<Item, String> job = JobBuilder.named("silent", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(CountingFunction::new)
            .sink(new JobRuntimeTest.CollectingSink())
            .build(context))
        {
            job.start();
            assertTrue(job.producer(0).offer(new Item().set(1, 1, 1, 0), TimeUnit.SECONDS.toNanos(10)));
            assertFalse(Files.exists(countersDir));
            assertEquals(before, ManagementFactory.getPlatformMBeanServer().queryNames(weirBeans, null));
        }
    }
}
