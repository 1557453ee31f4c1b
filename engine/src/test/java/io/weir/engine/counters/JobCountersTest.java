package io.weir.engine.counters;

import io.weir.engine.JvmAccess;
import io.weir.engine.ThreadAllocation;
import io.weir.snapshot.ChildJvmCommand;
import io.weir.state.heap.HeapStateBackend;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class JobCountersTest
{
    @TempDir
    Path dir;

    /** Every counter as another process reads it: "label" -> value. */
    private static Map<String, Long> read(final CountersFile file)
    {
        final Map<String, Long> values = new HashMap<>();
        file.reader().forEach((long value, int counterId, String label) -> values.put(label, value));
        return values;
    }

    private static RingBuffer ring()
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    private static void put(final KeyedStateStore store, final long key)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        buffer.putLong(0, key);
        store.put(buffer, 8, buffer, 0, 8);
    }

    @Test
    void shouldPublishLabelledCountersThatAnotherProcessReadsFromTheFile() throws Exception
    {
        final List<String> log = new ArrayList<>();
        try (JobCounters counters = JobCounters.create(dir, "rolling sum/1", 2, 3, log::add))
        {
            assertEquals("rolling_sum_1-" + ProcessHandle.current().pid() + ".counters",
                counters.path().getFileName().toString());
            final RingBuffer[] rings = {ring(), ring(), ring()};
            assertTrue(rings[1].write(1, new UnsafeBuffer(new byte[100]), 0, 100));
            final KeyedStateStore store = new HeapStateBackend().createStore(1, 16);
            put(store, 1);
            put(store, 2);
            counters.shard(1).bind(rings, store).onDutyCycle(0, 42, 1_000, 3);
            counters.shard(1).eventsOut().incrementRelease();
            counters.producer(2).onBackPressure();
            counters.producer(2).onBackPressure();
            counters.checkpoints().onCompleted(7, 12_000_000, 34_000, 5_678);
            counters.checkpoints().onFailed();
            counters.checkpoints().onRestored();

            try (CountersFile file = CountersFile.open(counters.path()))
            {
                assertTrue(file.isReady());
                assertTrue(file.isOwnerAlive());
                assertEquals("rolling sum/1", file.jobName());
                assertEquals(ProcessHandle.current().pid(), file.pid());
                final Map<String, Long> values = read(file);
                assertEquals(2 * 6 + 2 * 3 + 3 + 7, values.size(), values.toString());
                assertEquals(42L, values.get("shard 1: events in"));
                assertEquals(0L, values.get("shard 0: events in"));
                assertEquals(1L, values.get("shard 1: events out (main and side outputs)"));
                assertEquals(1_000L, values.get("shard 1: watermark (ms)"));
                assertEquals(Long.MIN_VALUE, values.get("shard 0: watermark (ms)"));
                assertEquals(3L, values.get("shard 1: timers pending"));
                assertEquals(2L, values.get("shard 1: state entries"));
                assertEquals(store.sizeBytes(), values.get("shard 1: state bytes"));
                assertTrue(store.sizeBytes() > 0);
                assertEquals(rings[1].size(), values.get("producer 1 -> shard 1: ring bytes used"));
                assertTrue(rings[1].size() >= 100);
                assertEquals(0L, values.get("producer 0 -> shard 1: ring bytes used"));
                assertEquals(2L, values.get("producer 2: back-pressure (offers refused by a full ring)"));
                assertEquals(7L, values.get("checkpoint: last completed id"));
                assertEquals(12L, values.get("checkpoint: last duration (ms, first snapshot point to manifest)"));
                assertEquals(34L, values.get("checkpoint: last longest shard pause (us)"));
                assertEquals(5_678L, values.get("checkpoint: last bytes written"));
                assertEquals(1L, values.get("checkpoints completed"));
                assertEquals(1L, values.get("checkpoints failed"));
                assertEquals(1L, values.get("restores"));

                final CountersReader reader = file.reader();
                reader.forEach((int counterId, int typeId, DirectBuffer key, String label) ->
                {
                    final CounterType type = CounterType.of(typeId);
                    assertEquals(type.label(key.getInt(CounterType.FIRST_INDEX_OFFSET),
                        key.getInt(CounterType.SECOND_INDEX_OFFSET)), label, "type and key make the label");
                });
            }
            store.close();
        }
        assertTrue(log.isEmpty(), log.toString());
    }

    @Test
    void shouldMakeLabelsAndAttributeNamesFromTheCountersIndexes()
    {
        assertEquals("shard 3: events in", CounterType.SHARD_EVENTS_IN.label(3, 0));
        assertEquals("producer 2 -> shard 3: ring bytes used", CounterType.RING_USED_BYTES.label(2, 3));
        assertEquals("Producer2Shard3RingUsedBytes", CounterType.RING_USED_BYTES.attributeName(2, 3));
        assertEquals("CheckpointId", CounterType.CHECKPOINT_ID.attributeName(0, 0));
        assertEquals("operator 1 'count' shard 0: events processed",
            CounterType.OPERATOR_EVENTS_IN.label(1, "count", 0));
        assertEquals("operator 1 shard 12: events processed", CounterType.OPERATOR_EVENTS_IN.label(1, "", 12));
        assertEquals("Operator1Shard12EventsIn", CounterType.OPERATOR_EVENTS_IN.attributeName(1, 12));
    }

    @Test
    void shouldSampleRingsAndStateOnlyOnTheirIntervals() throws Exception
    {
        try (JobCounters counters = JobCounters.create(dir, "job", 1, 1, message -> { }))
        {
            final RingBuffer[] rings = {ring()};
            final KeyedStateStore store = new HeapStateBackend().createStore(0, 16);
            final ShardCounters shard = counters.shard(0).bind(rings, store);
            shard.onDutyCycle(1_000, 1, 0, 0);
            put(store, 1);
            assertTrue(rings[0].write(1, new UnsafeBuffer(new byte[8]), 0, 8));
            shard.onDutyCycle(1_000 + ShardCounters.RING_SAMPLE_INTERVAL_MS - 1, 2, 0, 0);
            try (CountersFile file = CountersFile.open(counters.path()))
            {
                assertEquals(2L, read(file).get("shard 0: events in"), "published every cycle");
                assertEquals(0L, read(file).get("producer 0 -> shard 0: ring bytes used"));
                shard.onDutyCycle(1_000 + ShardCounters.RING_SAMPLE_INTERVAL_MS, 3, 0, 0);
                assertEquals(rings[0].size(), read(file).get("producer 0 -> shard 0: ring bytes used"));
                assertEquals(0L, read(file).get("shard 0: state entries"));
                shard.onDutyCycle(1_000 + ShardCounters.STATE_SAMPLE_INTERVAL_MS, 4, 0, 0);
                assertEquals(1L, read(file).get("shard 0: state entries"));
            }
            store.close();
        }
    }

    @Test
    void shouldGiveASecondJobOfTheSameNameItsOwnFileAndRemoveBothOnClose() throws Exception
    {
        final JobCounters first = JobCounters.create(dir, "same", 1, 1, message -> { });
        final JobCounters second = JobCounters.create(dir, "same", 1, 1, message -> { });
        assertFalse(first.path().equals(second.path()));
        assertFalse(first.objectName().equals(second.objectName()));
        first.registerMBean();
        second.registerMBean();
        assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(first.objectName()));
        assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(second.objectName()));
        first.close();
        second.close();
        assertFalse(Files.exists(first.path()));
        assertFalse(Files.exists(second.path()));
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(first.objectName()));
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(second.objectName()));
        first.close();
    }

    @Test
    void shouldRegisterTheMBeanAtOnceWhileThePlatformServerExists()
    {
        ManagementFactory.getPlatformMBeanServer();
        final List<String> log = new ArrayList<>();
        final JobCounters counters = JobCounters.create(dir, "served", 1, 1, log::add);
        counters.registerMBeanOnceServerExists(log::add);
        assertTrue(counters.isMBeanRegistered());
        assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(counters.objectName()));
        final IllegalStateException again = assertThrows(IllegalStateException.class, counters::registerMBean);
        assertTrue(again.getMessage().contains("already registered"), again.getMessage());
        counters.close();
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(counters.objectName()));
        assertEquals(List.of(), log);
    }

    @Test
    @Timeout(60)
    void shouldNeitherMakeThePlatformServerNorWaitForItAndRegisterOnceAnAgentMakesIt() throws Exception
    {
        // A JVM of its own: this one has the platform server made by the tests before.
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmAccess.requiredFlags());
        command.addAll(ChildJvmCommand.localeOptions());
        command.add("-Xmx64m");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), AwaitingServer.class.getName()));
        command.add(dir.toString());
        final ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        // An agent these name could make the platform server itself.
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        final Process child = builder.start();
        final String output;
        try
        {
            output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, child.waitFor(), output);
        }
        finally
        {
            child.destroyForcibly();
        }
        assertEquals(List.of(
            "server made by the job: false",
            "registered before the server: false",
            "registered once the server was made: true",
            "a job closed while it waited: never registered",
            "registered after close: false"), output.lines().collect(Collectors.toList()));
    }

    /** The child JVM of the test above: a JMX agent's making of the platform server stood in for by a call. */
    public static final class AwaitingServer
    {
        public static void main(final String[] args) throws Exception
        {
            final Path dir = Path.of(args[0]);
            final JobCounters counters = JobCounters.create(dir, "awaiting", 1, 1, System.out::println);
            final JobCounters closedWhileWaiting = JobCounters.create(dir, "closed", 1, 1, System.out::println);
            counters.registerMBeanOnceServerExists(System.out::println);
            closedWhileWaiting.registerMBeanOnceServerExists(System.out::println);
            System.out.println("server made by the job: " + !MBeanServerFactory.findMBeanServer(null).isEmpty());
            System.out.println("registered before the server: " + counters.isMBeanRegistered());
            closedWhileWaiting.close();

            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!counters.isMBeanRegistered() && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            System.out.println("registered once the server was made: " + server.isRegistered(counters.objectName()));
            Thread.sleep(2 * JobCounters.SERVER_POLL_MS);
            System.out.println("a job closed while it waited: " +
                (server.isRegistered(closedWhileWaiting.objectName()) || closedWhileWaiting.isMBeanRegistered() ?
                "registered" : "never registered"));
            counters.close();
            System.out.println("registered after close: " + server.isRegistered(counters.objectName()));
        }
    }

    @Test
    void shouldRegisterTheMBeanOnlyWhenAskedAndOnce()
    {
        try (JobCounters counters = JobCounters.create(dir, "late", 1, 1, message -> { }))
        {
            assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(counters.objectName()));
            counters.registerMBean();
            assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(counters.objectName()));
            final IllegalStateException again = assertThrows(IllegalStateException.class, counters::registerMBean);
            assertTrue(again.getMessage().contains("already registered"), again.getMessage());
        }
        final JobCounters unregistered = JobCounters.create(dir, "never", 1, 1, message -> { });
        unregistered.close();
        assertFalse(Files.exists(unregistered.path()), "closed without ever registering");
    }

    @Test
    void shouldReportAndRemoveTheFileOfAProcessThatIsGone() throws Exception
    {
        final Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        final long deadPid = gone.pid();
        final Path stale = dir.resolve(CountersFileDescriptor.fileName("crashed", deadPid, 1));
        try (JobCounters counters = JobCounters.create(dir, "crashed", 1, 1, message -> { }))
        {
            Files.copy(counters.path(), stale);
        }
        try (RandomAccessFile file = new RandomAccessFile(stale.toFile(), "rw"))
        {
            final ByteBuffer pid = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, deadPid);
            file.getChannel().write(pid, CountersFileDescriptor.PID_OFFSET);
        }

        final CountersDirectory.Scan scan = CountersDirectory.scan(dir);
        assertEquals(List.of(), scan.running());
        assertEquals(List.of(new CountersDirectory.Stale(stale, deadPid)), scan.stale());
        assertTrue(Files.exists(stale), "a scan only reports");

        final List<String> log = new ArrayList<>();
        try (JobCounters counters = JobCounters.create(dir, "next", 1, 1, log::add))
        {
            assertFalse(Files.exists(stale), "a job starting in the directory removes stale files");
            assertEquals(List.of("removed stale counters file " + stale + " (pid " + deadPid + " is not running)"),
                log);
            final CountersDirectory.Scan after = CountersDirectory.scan(dir);
            assertEquals(1, after.running().size());
            assertEquals(counters.path(), after.running().get(0).path());
            CountersDirectory.close(after);
        }
    }

    @Test
    void shouldTreatAPidReusedByALaterProcessAsStale()
    {
        final long pid = ProcessHandle.current().pid();
        final long startMs = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        assertTrue(CountersFile.isAlive(pid, startMs + 60_000), "this process, started before the file");
        assertFalse(CountersFile.isAlive(pid, startMs - 60_000), "this process started after the file: pid reused");
    }

    @Test
    void shouldRejectAFileThatIsNotACountersFileNamingIt() throws Exception
    {
        final Path junk = dir.resolve("junk.counters");
        Files.write(junk, new byte[CountersFileDescriptor.HEADER_LENGTH]);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> CountersFile.open(junk));
        assertEquals(junk + ": not a Weir counters file (magic 0x0)", ex.getMessage());
        final CountersDirectory.Scan scan = CountersDirectory.scan(dir);
        assertEquals(List.of(ex.getMessage()), scan.unreadable());
    }

    @Test
    void shouldUpdateCountersWithoutAllocating() throws Exception
    {
        try (JobCounters counters = JobCounters.create(dir, "alloc", 1, 1, message -> { }))
        {
            final RingBuffer[] rings = {ring()};
            final KeyedStateStore store = new HeapStateBackend().createStore(0, 16);
            final ShardCounters shard = counters.shard(0).bind(rings, store);
            final ProducerCounters producer = counters.producer(0);
            final CheckpointCounters checkpoints = counters.checkpoints();
            final int iterations = 200_000;
            for (int warmUp = 0; warmUp < 3; warmUp++)
            {
                update(shard, producer, checkpoints, iterations);
            }
            // The least of several rounds: a round can see the JIT's own allocations (a recompilation under load);
            // an update that allocates shows in every round.
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 10 && allocated > 0; round++)
            {
                final long before = ThreadAllocation.bytesSoFar();
                update(shard, producer, checkpoints, iterations);
                allocated = Math.min(allocated, ThreadAllocation.bytesSoFar() - before);
            }
            assertEquals(0, allocated, "bytes allocated by " + iterations + " counter updates (least of 10 rounds)");
            store.close();
        }
    }

    private static void update(
        final ShardCounters shard, final ProducerCounters producer, final CheckpointCounters checkpoints,
        final int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            // Every millisecond of the clock samples the rings, every second the state, as a shard cycle would.
            shard.onDutyCycle(i, i, i, i & 7);
            shard.eventsOut().incrementRelease();
            producer.onBackPressure();
            if ((i & 1023) == 0)
            {
                checkpoints.onCompleted(i, i, i, i);
                checkpoints.onFailed();
            }
        }
    }
}
