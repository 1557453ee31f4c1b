package io.weir.tools.io;

import io.weir.api.connector.SinkWriter;
import io.weir.api.connector.TransactionalSinkWriter;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.engine.JobBuilder;
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
        assertEquals(List.of("fsync .out.csv.tmp", "rename .out.csv.tmp out.csv", "fsync dir ."), steps);
        assertEquals("11\n22\n", Files.readString(dir.resolve("out.csv")));
        assertTrue(Files.exists(dir.resolve(".out.csv.parts/a1-s0")),
            "a crash before the job's end is recorded resumes from a checkpoint, which needs the parts");
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
    void shouldAssembleTheRowsCheckpointsCommittedAndPublishByAppendingOnlyTheRest() throws IOException
    {
        final CsvFileSink<Event> sink = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent,
            new Recording(null));
        sink.startFresh();
        final SinkWriter<Event> first = sink.createWriter(0, 2);
        final SinkWriter<Event> second = sink.createWriter(1, 2);
        first.collect(new Event().set(1, 1, 1, 11));
        second.collect(new Event().set(1, 2, 1, 21));
        final List<TransactionalSinkWriter.PartPosition> committed = List.of(
            ((TransactionalSinkWriter<Event>)first).preCommit(), ((TransactionalSinkWriter<Event>)second).preCommit(),
            new TransactionalSinkWriter.PartPosition("late.csv/a1-s0", dir.resolve("elsewhere"), 99));
        first.collect(new Event().set(1, 1, 1, 12)); // after the checkpoint: not committed
        steps.clear();

        sink.onPartsCommitted(committed);
        final Path assembly = dir.resolve(".out.csv.parts/output.assembling");
        assertEquals(List.of("fsync .out.csv.parts/output.assembling"), steps);
        assertEquals("11\n21\n", Files.readString(assembly), "the committed rows only; another sink's part ignored");
        sink.onPartsCommitted(committed);
        assertEquals("11\n21\n", Files.readString(assembly), "a part's rows are appended once");

        second.collect(new Event().set(1, 2, 1, 22));
        first.close();
        second.close();
        steps.clear();
        sink.onJobSucceeded();
        assertEquals(List.of("fsync .out.csv.parts/output.assembling",
            "rename .out.csv.parts/output.assembling out.csv", "fsync dir ."), steps,
            "publication appends the rest to the assembled output and renames it");
        assertEquals("11\n21\n12\n22\n", Files.readString(dir.resolve("out.csv")));
        assertFalse(Files.exists(assembly));
        sink.onFinishRecorded();
        assertFalse(Files.exists(dir.resolve(".out.csv.parts")));
    }

    @Test
    void shouldDropAnOutputBeingAssembledWhenTheJobRestores() throws IOException
    {
        final TransactionalSinkWriter.PartPosition firstCheckpoint =
            assembleThenFail(new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent));
        final Path assembly = dir.resolve(".out.csv.parts/output.assembling");
        assertEquals("11\n12\n", Files.readString(assembly));

        // Restored from the first checkpoint: row 12 is written again by the new run, and must appear once.
        final CsvFileSink<Event> restored = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        restored.restore(Map.of(firstCheckpoint.partName(), firstCheckpoint.lengthBytes()));
        assertFalse(Files.exists(assembly), "rows of a checkpoint the restore does not resume from are not published");
        writeAgainAndPublish(restored);
        assertEquals(List.of("11", "12"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList());
    }

    @Test
    void shouldAssembleAnewWhenOneSinkIsRestoredAfterItsJobFailed() throws IOException
    {
        final CsvFileSink<Event> sink = new CsvFileSink<>(dir.resolve("out.csv"), CsvFileSinkTest::formatEvent);
        final TransactionalSinkWriter.PartPosition first = assembleThenFail(sink);

        // The same sink object resumes from the first checkpoint: its first run's assembly counts for nothing.
        sink.restore(Map.of(first.partName(), first.lengthBytes()));
        writeAgainAndPublish(sink);
        assertEquals(List.of("11", "12"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList(),
            "the first run's committed row 11 is in the output once, its rolled-back row 12 only as written again");
    }

    /**
     * A run that commits row 11 at a first checkpoint and rows 11 and 12 at a second, assembles them, then fails.
     *
     * @return the first checkpoint's position of the run's part.
     */
    private static TransactionalSinkWriter.PartPosition assembleThenFail(final CsvFileSink<Event> sink)
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
    void shouldAssembleOnlyItsOwnPartsWhenAnotherSinksTargetHasTheSameName() throws IOException
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
        try (WeirJob<Event, Event> job = JobBuilder.named("dedup", EventCodec.INSTANCE)
            .source(new CsvEventReader(in))
            .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(Event::eventId)
            .process(DedupFunction::new)
            .sink(sink)
            .build(new WeirContext().shards(2).checkpoints(CheckpointSettings.every(checkpoints, 0))))
        {
            job.start();
            job.awaitTermination();
        }
        assertEquals(List.of(
            "fsync dir .", "fsync dir .out.csv.parts", "fsync dir .out.csv.parts",
            "fsync .out.csv.tmp", "rename .out.csv.tmp out.csv", "fsync dir .",
            "delete .out.csv.parts/a1-s0 (FINISHED)", "delete .out.csv.parts/a1-s1 (FINISHED)"), steps);
        assertEquals(List.of("1", "2"), Files.readAllLines(dir.resolve("out.csv")).stream().sorted().toList());
        assertFalse(Files.exists(dir.resolve(".out.csv.parts")));
    }
}
