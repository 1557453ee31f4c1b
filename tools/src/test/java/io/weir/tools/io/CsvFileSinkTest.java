package io.weir.tools.io;

import io.weir.api.connector.SinkWriter;
import io.weir.api.connector.TransactionalSinkWriter;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.engine.JobBuilder;
import io.weir.engine.JobFailedException;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.runtime.checkpoint.RestorePlanner;
import io.weir.snapshot.DirectoryLockedException;
import io.weir.tools.jobs.CsvEventReader;
import io.weir.tools.jobs.DedupFunction;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.EventCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The sink's file-system steps in the order that makes its output survive a power loss, and its part lock. */
@Timeout(60)
class CsvFileSinkTest
{
    @TempDir
    Path dir;

    private final List<String> steps = new ArrayList<>();

    /** Records every durability step; {@code FINISHED?} says whether the job's end marker existed then. */
    private final class Recording implements SinkFileOperations
    {
        private final Path marker;

        Recording(final Path marker)
        {
            this.marker = marker;
        }

        public void forceFile(final FileChannel channel, final Path path) throws IOException
        {
            record("fsync " + name(path));
            SinkFileOperations.DURABLE.forceFile(channel, path);
        }

        public void forceDirectory(final Path directory) throws IOException
        {
            record("fsync dir " + name(directory));
            SinkFileOperations.DURABLE.forceDirectory(directory);
        }

        public void link(final Path link, final Path existing) throws IOException
        {
            record("link " + name(link) + " " + name(existing));
            SinkFileOperations.DURABLE.link(link, existing);
        }

        public void moveAtomically(final Path from, final Path to) throws IOException
        {
            record("rename " + name(from) + " " + name(to));
            SinkFileOperations.DURABLE.moveAtomically(from, to);
        }

        public void delete(final Path path) throws IOException
        {
            record("delete " + name(path));
            SinkFileOperations.DURABLE.delete(path);
        }

        private void record(final String step)
        {
            steps.add(marker != null && Files.exists(marker) ? step + " (FINISHED)" : step);
        }
    }

    private String name(final Path path)
    {
        final String relative = dir.relativize(path).toString();
        return relative.isEmpty() ? "." : relative;
    }

    private static void formatEvent(final Event event, final CsvLineWriter writer)
    {
        writer.field(event.eventId()).endLine();
    }

    @Test
    void shouldMakeEachPartDurableInItsDirectoryAndPublishDurablyKeepingThePartsUntilTheEndIsRecorded()
        throws IOException
    {
        final CsvFileSink<Event> sink = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(null));
        sink.startFresh();
        final SinkWriter<Event> first = sink.createWriter(0, 2);
        final SinkWriter<Event> second = sink.createWriter(1, 2);
        assertEquals(List.of("fsync dir .", "fsync dir .out.csv.parts", "fsync dir .out.csv.parts"), steps,
            "the part directory and each part are durable entries before any checkpoint can name them");

        first.collect(new Event().set(1, 1, 1, 11));
        second.collect(new Event().set(1, 2, 1, 22));
        assertEquals(3, ((TransactionalSinkWriter<Event>)first).preCommit().lengthBytes());
        first.close();
        second.close();
        steps.clear();

        sink.onJobSucceeded();
        assertEquals(List.of("fsync .out.csv.parts/a1-s0", "link .out.csv.tmp .out.csv.parts/a1-s0",
            "rename .out.csv.tmp out.csv", "fsync dir ."), steps,
            "the other part appended to the largest (the first of two equal ones), which is made the target");
        assertEquals("11\n22\n", Files.readString(dir.resolve("out.csv")));
        assertTrue(Files.exists(dir.resolve(".out.csv.parts/a1-s0")),
            "a crash before the job's end is recorded resumes from a checkpoint, which needs the parts");
        assertTrue(Files.isSameFile(dir.resolve(".out.csv.parts/a1-s0"), dir.resolve("out.csv")));
        steps.clear();

        sink.onFinishRecorded();
        assertEquals(List.of("delete .out.csv.parts/a1-s0", "delete .out.csv.parts/a1-s1"), steps);
        assertFalse(Files.exists(dir.resolve(".out.csv.parts")));
    }

    @Test
    void shouldRestoreDurablyAndChangeNothingWhenACommittedPartIsMissing() throws IOException
    {
        final CsvFileSink<Event> writing = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        writing.startFresh();
        for (int shard = 0; shard < 2; shard++)
        {
            final SinkWriter<Event> writer = writing.createWriter(shard, 2);
            writer.collect(new Event().set(1, 1, 1, 100 + shard));
            writer.collect(new Event().set(2, 1, 1, 200 + shard));
            ((TransactionalSinkWriter<Event>)writer).preCommit();
            writer.close();
        }
        writing.onJobFailed();
        final Path part0 = dir.resolve(".out.csv.parts/a1-s0");
        final Path part1 = dir.resolve(".out.csv.parts/a1-s1");

        final CsvFileSink<Event> missing = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(null));
        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> missing.restore(Map.of("out.csv/a1-s0", 4L, "out.csv/a1-s7", 4L)));
        assertTrue(refused.getMessage().contains("a1-s7"), refused.getMessage());
        assertEquals(List.of(), steps, "nothing is deleted or cut back");
        assertEquals(8, Files.size(part0));
        assertEquals(8, Files.size(part1));
        missing.onJobFailed();

        final CsvFileSink<Event> restoring = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(null));
        restoring.restore(Map.of("out.csv/a1-s0", 4L));
        assertEquals(List.of("fsync .out.csv.parts/a1-s0", "delete .out.csv.parts/a1-s1", "fsync dir .out.csv.parts"),
            steps);
        assertEquals("100\n", Files.readString(part0));
        assertFalse(Files.exists(part1));
        restoring.onJobFailed();
    }

    @Test
    void shouldPublishTheLargestPartWithTheOthersAppendedCopyingOnlyTheirRows() throws IOException
    {
        final CsvFileSink<Event> sink = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(null));
        sink.startFresh();
        final SinkWriter<Event> first = sink.createWriter(0, 2);
        final SinkWriter<Event> second = sink.createWriter(1, 2);
        first.collect(new Event().set(1, 1, 1, 11));
        second.collect(new Event().set(1, 2, 1, 21));
        second.collect(new Event().set(1, 2, 1, 22));
        second.collect(new Event().set(1, 2, 1, 23));
        first.collect(new Event().set(1, 1, 1, 12));
        first.close();
        second.close();
        steps.clear();

        sink.onJobSucceeded();
        assertEquals(List.of("fsync .out.csv.parts/a1-s1", "link .out.csv.tmp .out.csv.parts/a1-s1",
            "rename .out.csv.tmp out.csv", "fsync dir ."), steps);
        assertEquals("21\n22\n23\n11\n12\n", Files.readString(dir.resolve("out.csv")),
            "the largest part's rows, then the other's appended");
        assertTrue(Files.isSameFile(dir.resolve(".out.csv.parts/a1-s1"), dir.resolve("out.csv")));
        assertFalse(Files.exists(dir.resolve(".out.csv.tmp")));
        sink.onFinishRecorded();
        assertFalse(Files.exists(dir.resolve(".out.csv.parts")));
        assertEquals("21\n22\n23\n11\n12\n", Files.readString(dir.resolve("out.csv")), "the output outlives the part");
    }

    @Test
    void shouldPublishAnEmptyOutputWhenNoWriterWasCreated() throws IOException
    {
        final CsvFileSink<Event> sink = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        sink.startFresh();
        sink.onJobSucceeded();
        assertEquals("", Files.readString(dir.resolve("out.csv")));
        assertFalse(Files.exists(dir.resolve(".out.csv.tmp")));
        sink.onFinishRecorded();
        assertFalse(Files.exists(dir.resolve(".out.csv.parts")));
    }

    @Test
    void shouldKeepThePublishedOutputWholeWhenARestoreFollowsItsPublication() throws IOException
    {
        final TransactionalSinkWriter.PartPosition checkpoint = publishThenCrash();
        final Path part = dir.resolve(".out.csv.parts/a1-s0");
        assertTrue(Files.isSameFile(part, dir.resolve("out.csv")));

        // Restored from the checkpoint, which committed row 11: the part is cut back, the published output is not.
        final CsvFileSink<Event> restored = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(null));
        restored.restore(Map.of(checkpoint.partName(), checkpoint.lengthBytes()));
        assertEquals(List.of("fsync .out.csv.parts/r-a1-s0", "rename .out.csv.parts/r-a1-s0 .out.csv.parts/a1-s0",
            "fsync dir .out.csv.parts"), steps, "the committed rows copied aside and renamed onto the part's name");
        assertEquals("11\n", Files.readString(part));
        assertEquals("11\n12\n", Files.readString(dir.resolve("out.csv")), "the published output stays whole");
        assertFalse(Files.isSameFile(part, dir.resolve("out.csv")));

        writeAgainAndPublish(restored);
        assertEquals(List.of("11", "12"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList());
    }

    @Test
    void shouldKeepThePublishedOutputWholeWhereAReaderMovedItBeforeTheRestore() throws IOException
    {
        final TransactionalSinkWriter.PartPosition checkpoint = publishThenCrash();
        Files.move(dir.resolve("out.csv"), dir.resolve("taken.csv")); // a reader took the file as it appeared

        final CsvFileSink<Event> restored = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        restored.restore(Map.of(checkpoint.partName(), checkpoint.lengthBytes()));
        assertEquals("11\n12\n", Files.readString(dir.resolve("taken.csv")), "the moved output stays whole");
        assertEquals("11\n", Files.readString(dir.resolve(".out.csv.parts/a1-s0")));
        writeAgainAndPublish(restored);
        assertEquals(List.of("11", "12"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList());
    }

    @Test
    void shouldSeparateThePartAgainWhereARestoreCrashedWhileSeparatingIt() throws IOException
    {
        final TransactionalSinkWriter.PartPosition checkpoint = publishThenCrash();
        // The crashed restore's copy, not yet renamed onto the part; and a temporary name of the output.
        Files.writeString(dir.resolve(".out.csv.parts/r-a1-s0"), "1");
        Files.createLink(dir.resolve(".out.csv.tmp"), dir.resolve(".out.csv.parts/a1-s0"));

        final CsvFileSink<Event> restored = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(null));
        restored.restore(Map.of(checkpoint.partName(), checkpoint.lengthBytes()));
        assertEquals(List.of("delete .out.csv.tmp", "delete .out.csv.parts/r-a1-s0", "fsync .out.csv.parts/r-a1-s0",
            "rename .out.csv.parts/r-a1-s0 .out.csv.parts/a1-s0", "fsync dir .out.csv.parts"), steps);
        assertEquals("11\n12\n", Files.readString(dir.resolve("out.csv")));
        assertEquals("11\n", Files.readString(dir.resolve(".out.csv.parts/a1-s0")));
        writeAgainAndPublish(restored);
        assertEquals(List.of("11", "12"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList());
    }

    /**
     * A run that commits row 11, writes row 12, publishes "11\n12\n" and crashes before its end is recorded.
     *
     * @return the checkpoint's position of the run's part.
     */
    private TransactionalSinkWriter.PartPosition publishThenCrash()
    {
        final CsvFileSink<Event> crashed = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        crashed.startFresh();
        final SinkWriter<Event> writer = crashed.createWriter(0, 1);
        writer.collect(new Event().set(1, 1, 1, 11));
        final TransactionalSinkWriter.PartPosition checkpoint = ((TransactionalSinkWriter<Event>)writer).preCommit();
        writer.collect(new Event().set(1, 1, 1, 12));
        writer.close();
        crashed.onJobSucceeded();
        crashed.onJobFailed(); // as the crash does: the lock goes, the parts stay
        return checkpoint;
    }

    @Test
    void shouldCutBackTheLargestPartWhenTheJobFailsAfterTheOthersWereAppendedToIt() throws IOException
    {
        final CsvFileSink<Event> crashed = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        crashed.startFresh();
        final SinkWriter<Event> first = crashed.createWriter(0, 2);
        final SinkWriter<Event> second = crashed.createWriter(1, 2);
        first.collect(new Event().set(1, 1, 1, 11));
        first.collect(new Event().set(1, 1, 1, 12));
        second.collect(new Event().set(1, 2, 1, 21));
        final TransactionalSinkWriter.PartPosition firstCommitted =
            ((TransactionalSinkWriter<Event>)first).preCommit();
        final TransactionalSinkWriter.PartPosition secondCommitted =
            ((TransactionalSinkWriter<Event>)second).preCommit();
        first.close();
        second.close();
        // A publication that appended the other part to the largest and failed before its rename: here, a target
        // that is a directory, which the rename cannot replace.
        Files.createDirectories(dir.resolve("out.csv/taken"));
        assertThrows(java.io.UncheckedIOException.class, crashed::onJobSucceeded);
        crashed.onJobFailed();
        assertEquals("11\n12\n21\n", Files.readString(dir.resolve(".out.csv.parts/a1-s0")));
        assertFalse(Files.exists(dir.resolve(".out.csv.tmp")), "the temporary name is removed");
        Files.delete(dir.resolve("out.csv/taken"));
        Files.delete(dir.resolve("out.csv"));

        final CsvFileSink<Event> restored = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        restored.restore(Map.of(firstCommitted.partName(), firstCommitted.lengthBytes(),
            secondCommitted.partName(), secondCommitted.lengthBytes()));
        assertEquals("11\n12\n", Files.readString(dir.resolve(".out.csv.parts/a1-s0")), "cut back to its commit");
        restored.onJobSucceeded();
        assertEquals(List.of("11", "12", "21"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList());
        restored.onFinishRecorded();
    }

    @Test
    void shouldPublishEachRowOnceWhenOneSinkIsRestoredAfterItsJobFailed() throws IOException
    {
        final CsvFileSink<Event> sink = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        final TransactionalSinkWriter.PartPosition first = commitThenFail(sink);

        // The same sink object resumes from the first checkpoint: its first run's rows after it count for nothing.
        sink.restore(Map.of(first.partName(), first.lengthBytes()));
        writeAgainAndPublish(sink);
        assertEquals(List.of("11", "12"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList(),
            "the first run's committed row 11 is in the output once, its rolled-back row 12 only as written again");
    }

    /**
     * A run that commits row 11 at a first checkpoint and rows 11 and 12 at a second, then fails.
     *
     * @return the first checkpoint's position of the run's part.
     */
    private static TransactionalSinkWriter.PartPosition commitThenFail(final CsvFileSink<Event> sink)
    {
        sink.startFresh();
        final SinkWriter<Event> writer = sink.createWriter(0, 1);
        writer.collect(new Event().set(1, 1, 1, 11));
        final TransactionalSinkWriter.PartPosition first = ((TransactionalSinkWriter<Event>)writer).preCommit();
        writer.collect(new Event().set(1, 1, 1, 12));
        sink.onPartsCommitted(List.of(((TransactionalSinkWriter<Event>)writer).preCommit()));
        writer.close();
        sink.onJobFailed();
        return first;
    }

    /** A resumed run that writes row 12 again, commits it, succeeds and records its end. */
    private static void writeAgainAndPublish(final CsvFileSink<Event> sink)
    {
        final SinkWriter<Event> again = sink.createWriter(0, 1);
        again.collect(new Event().set(1, 1, 1, 12));
        sink.onPartsCommitted(List.of(((TransactionalSinkWriter<Event>)again).preCommit()));
        again.close();
        sink.onJobSucceeded();
        sink.onFinishRecorded();
    }

    @Test
    void shouldPublishOnlyItsOwnPartsWhenAnotherSinksTargetHasTheSameName() throws IOException
    {
        Files.createDirectories(dir.resolve("x"));
        Files.createDirectories(dir.resolve("y"));
        final CsvFileSink<Event> x = new CsvFileSink<>(dir.resolve("x/out.csv"), CsvFileSinkTest::formatEvent);
        final CsvFileSink<Event> y = new CsvFileSink<>(dir.resolve("y/out.csv"), CsvFileSinkTest::formatEvent);
        x.startFresh();
        y.startFresh();
        final SinkWriter<Event> xw = x.createWriter(0, 1);
        final SinkWriter<Event> yw = y.createWriter(0, 1);
        xw.collect(new Event().set(1, 1, 1, 1));
        yw.collect(new Event().set(1, 1, 1, 2));
        final List<TransactionalSinkWriter.PartPosition> committed = List.of(
            ((TransactionalSinkWriter<Event>)xw).preCommit(), ((TransactionalSinkWriter<Event>)yw).preCommit());
        x.onPartsCommitted(committed);
        y.onPartsCommitted(committed);
        xw.close();
        yw.close();
        x.onJobSucceeded();
        y.onJobSucceeded();
        assertEquals("1\n", Files.readString(dir.resolve("x/out.csv")));
        assertEquals("2\n", Files.readString(dir.resolve("y/out.csv")));
        x.onFinishRecorded();
        y.onFinishRecorded();
    }

    @Test
    void shouldRefuseASecondSinkOnTheSameOutputUntilTheFirstLetsGo() throws IOException
    {
        final CsvFileSink<Event> first = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        first.startFresh();
        first.createWriter(0, 1).close();
        final CsvFileSink<Event> second = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        final DirectoryLockedException refused = assertThrows(DirectoryLockedException.class, second::startFresh);
        assertTrue(refused.getMessage().startsWith("output part directory " + dir.resolve(".out.csv.parts") +
            " is in use by the job writing " + dir.resolve("out.csv") + " (pid "), refused.getMessage());
        second.onJobFailed();
        assertTrue(Files.exists(dir.resolve(".out.csv.parts/a1-s0")), "the refused sink deleted nothing");

        first.onJobFailed();
        second.startFresh();
        assertFalse(Files.exists(dir.resolve(".out.csv.parts/a1-s0")));
        second.onJobFailed();
    }

    @Test
    void shouldPublishTheOutputBeforeRecordingTheEndAndRemoveThePartsOnlyAfter() throws Exception
    {
        final Path in = Files.writeString(dir.resolve("in.csv"), "1000,1,5,1\n2000,2,5,2\n3000,1,5,1\n");
        final Path checkpoints = dir.resolve("ck");
        final CsvFileSink<Event> sink = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(checkpoints.resolve(RestorePlanner.FINISHED_MARKER)));
        runDedup(in, checkpoints, sink, 0);
        // Which part is the larger depends on how the keys fell to the shards: the steps name it.
        final String largestPartFsync = steps.get(3);
        assertTrue(largestPartFsync.matches("fsync \\.out\\.csv\\.parts/a1-s[01]"), largestPartFsync);
        assertEquals(List.of(
            "fsync dir .", "fsync dir .out.csv.parts", "fsync dir .out.csv.parts",
            largestPartFsync, "link .out.csv.tmp " + largestPartFsync.substring("fsync ".length()),
            "rename .out.csv.tmp out.csv", "fsync dir .",
            "delete .out.csv.parts/a1-s0 (FINISHED)", "delete .out.csv.parts/a1-s1 (FINISHED)"), steps);
        assertEquals(List.of("1", "2"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList());
        assertFalse(Files.exists(dir.resolve(".out.csv.parts")));
    }

    /**
     * A job that publishes its output and dies before its end is recorded: the rerun restores the last checkpoint,
     * whose largest part is the published output's file too; the published output stays as it was until the rerun
     * publishes again, with each row once.
     */
    @Test
    void shouldPublishEachRowOnceWhenAJobDiesBetweenPublicationAndTheRecordOfItsEnd() throws Exception
    {
        final StringBuilder csv = new StringBuilder();
        for (int i = 1; i <= 200_000; i++)
        {
            csv.append(i).append(',').append(i % 97).append(",5,").append(i % 150_000 + 1).append('\n');
        }
        final Path in = Files.writeString(dir.resolve("in.csv"), csv);
        final Path expected = dir.resolve("expected.csv");
        runDedup(in, dir.resolve("ck-expected"), new CsvFileSink<>(expected, CsvFileSinkTest::formatEvent), 5);

        final Path out = dir.resolve("out.csv");
        final Path checkpoints = dir.resolve("ck");
        assertThrows(JobFailedException.class, () -> runDedup(in, checkpoints,
            new DiesAfterPublication(new CsvFileSink<>(out, CsvFileSinkTest::formatEvent)), 5));
        assertFalse(Files.exists(checkpoints.resolve(RestorePlanner.FINISHED_MARKER)));
        final List<String> rows = Files.readAllLines(expected).stream().sorted().toList();
        assertEquals(rows, Files.readAllLines(out).stream().sorted().toList(), "the dead job published it whole");
        final Path read = dir.resolve("read.csv");
        Files.createLink(read, out); // a reader holding the published output
        final byte[] published = Files.readAllBytes(read);

        final WeirJob<Event, Event> rerun =
            runDedup(in, checkpoints, new CsvFileSink<>(out, CsvFileSinkTest::formatEvent), 5);
        assertTrue(rerun.restoredFrom().isPresent(), "the rerun resumed from a checkpoint");
        assertEquals(rows, Files.readAllLines(out).stream().sorted().toList(), "each row once");
        assertArrayEquals(published, Files.readAllBytes(read),
            "what was published stays as it was: the restore cut back a copy of the part, not the output");
    }

    /** Runs the dedup job from {@code in} to {@code sink} on 2 shards, checkpointing every {@code intervalMs}. */
    private static WeirJob<Event, Event> runDedup(final Path in, final Path checkpoints,
        final io.weir.engine.TransactionalSinkFactory<Event> sink, final long intervalMs) throws Exception
    {
        try (WeirJob<Event, Event> job = JobBuilder.named("dedup", EventCodec.INSTANCE)
            .source(new CsvEventReader(in))
            .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(Event::eventId)
            .process(DedupFunction::new)
            .sink(sink)
            .build(new WeirContext().shards(2).checkpoints(CheckpointSettings.every(checkpoints, intervalMs))))
        {
            job.start();
            job.awaitTermination();
            return job;
        }
    }

    /** Publishes, then fails the job as a process dying there would: its end is not recorded, the parts stay. */
    private static final class DiesAfterPublication implements io.weir.engine.TransactionalSinkFactory<Event>
    {
        private final CsvFileSink<Event> sink;

        DiesAfterPublication(final CsvFileSink<Event> sink)
        {
            this.sink = sink;
        }

        public String sinkId()
        {
            return sink.sinkId();
        }

        public void startFresh()
        {
            sink.startFresh();
        }

        public void restore(final Map<String, Long> committedLengths)
        {
            sink.restore(committedLengths);
        }

        public SinkWriter<Event> createWriter(final int shardId, final int shards)
        {
            return sink.createWriter(shardId, shards);
        }

        public void onJobSucceeded()
        {
            sink.onJobSucceeded();
            sink.onJobFailed(); // the lock goes with the process; the parts stay
            throw new IllegalStateException("the process dies after publishing");
        }

        public void onJobFailed()
        {
            sink.onJobFailed();
        }

        public void onFinishRecorded()
        {
            sink.onFinishRecorded();
        }
    }
}
