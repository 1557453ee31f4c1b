package io.weir.engine.runtime.checkpoint;

import io.weir.engine.runtime.snapshot.ShardStateWriter;
import io.weir.engine.runtime.snapshot.StateFileEntryWriter;

import io.weir.engine.state.TtlSnapshotFilter;
import io.weir.snapshot.SnapshotFileResult;
import io.weir.snapshot.SnapshotFileWriter;
import io.weir.snapshot.SnapshotHeader;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-over of a state file between the checkpoint thread and a shard that writes it between events. */
class ShardStateWriterTest
{
    @TempDir
    Path dir;

    private final OneToOneConcurrentArrayQueue<Object> written = new OneToOneConcurrentArrayQueue<>(16);
    private static final long IDLE_ONLY_NS = 250_000_000L;

    private final ShardStateWriter writer = new ShardStateWriter(0, written, IDLE_ONLY_NS, ShardStateWriter.COMMAND_QUEUE_CAPACITY);

    /** A snapshot of {@code entries} puts that records the budget of each read. */
    static final class CountingSnapshot implements StoreSnapshot
    {
        final long checkpointId;
        final int entries;
        final List<Integer> budgets = new ArrayList<>();
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[4]);
        int visited;
        int releases;

        /** What {@link #entriesHint} says: -1, as a snapshot that does not know. */
        long hint = -1;

        CountingSnapshot(final long checkpointId, final int entries)
        {
            this.checkpointId = checkpointId;
            this.entries = entries;
        }

        public long entriesHint()
        {
            return hint;
        }

        public long checkpointId()
        {
            return checkpointId;
        }

        public boolean isFull()
        {
            return true;
        }

        public void forEach(final EntryVisitor visitor)
        {
            throw new AssertionError("a shard reads its snapshot in steps");
        }

        public boolean read(final EntryVisitor visitor, final int budget)
        {
            budgets.add(budget);
            for (int n = 0; n < budget && visited < entries; n++, visited++)
            {
                key.putShort(0, (short)(visited % 4), ByteOrder.BIG_ENDIAN);
                key.putInt(4, visited);
                value.putInt(0, visited * 10);
                visitor.onEntry(key, 8, value, 4);
            }
            return visited < entries;
        }

        public void release()
        {
            releases++;
        }
    }

    private StateFileEntryWriter open(final long checkpointId)
    {
        final SnapshotHeader header = SnapshotHeader.full("test", 0, 0, 3, 128, checkpointId, 0);
        final SnapshotFileWriter file = SnapshotFileWriter.open(
            dir.resolve("state-" + checkpointId + ".full"), header, 1024, CheckpointCoordinator.SHARD_STAGING_BYTES);
        file.allocateBlockBuffers();
        return new StateFileEntryWriter(file, TtlSnapshotFilter.of(List.of(), 0), true, null);
    }

    /** The shard expects checkpoint {@code checkpointId}, is handed its file, and writes one step of 100 entries. */
    private CountingSnapshot startWriting(final long checkpointId)
    {
        writer.expect(checkpointId, 0);
        final CountingSnapshot snapshot = new CountingSnapshot(checkpointId, 100);
        writer.handOver(checkpointId, snapshot, open(checkpointId));
        writer.write(8);
        return snapshot;
    }

    private List<Path> files() throws IOException
    {
        try (Stream<Path> list = Files.list(dir))
        {
            return list.toList();
        }
    }

    @Test
    void shouldWriteTheHandedOverSnapshotOneStepPerCallAndHandTheFileBack()
    {
        writer.expect(5, 0);
        assertTrue(writer.isBusy());
        assertEquals(0, writer.write(4), "nothing to do before the checkpoint thread hands the file over");

        final CountingSnapshot snapshot = new CountingSnapshot(5, 10);
        final StateFileEntryWriter entries = open(5);
        writer.handOver(5, snapshot, entries);
        assertEquals(1, writer.write(4));
        assertEquals(List.of(4), snapshot.budgets, "one step per call, of the budget asked");
        assertEquals(4, entries.file().entryCount());
        assertNull(written.peek(), "handed back only when complete");

        assertEquals(1, writer.write(4));
        assertEquals(1, writer.write(4));
        assertFalse(writer.isBusy());
        assertEquals(1, snapshot.releases, "the shard releases the snapshot it read");
        final ShardStateWriter.Task task = (ShardStateWriter.Task)written.poll();
        assertEquals(5, task.checkpointId);
        assertEquals(0, task.shardId);
        final SnapshotFileResult result = task.entries.file().finish();
        assertEquals(10, result.entryCount());
        assertTrue(Files.exists(result.path()));
        assertEquals(0, writer.write(4), "idle again");
    }

    @Test
    void shouldLetABusyShardWriteOnlyOnceItsFileIsOverdue()
    {
        writer.expect(5, 1_000);
        assertFalse(writer.mayWriteUnderLoad(1_000), "at the snapshot point: only while idle");
        assertFalse(writer.mayWriteUnderLoad(1_000 + IDLE_ONLY_NS - 1));
        assertTrue(writer.mayWriteUnderLoad(1_000 + IDLE_ONLY_NS), "overdue");
        writer.abandon();
        writer.expect(6, 5_000_000);
        assertFalse(writer.mayWriteUnderLoad(5_000_000), "counted from the latest snapshot point");

        final ShardStateWriter onRequest = new ShardStateWriter(1, written, CheckpointCoordinator.idleOnlyNs(0),
            ShardStateWriter.COMMAND_QUEUE_CAPACITY);
        onRequest.expect(7, 42);
        assertTrue(onRequest.mayWriteUnderLoad(42), "without an interval, under load from the start");
        assertEquals(500_000_000L, CheckpointCoordinator.idleOnlyNs(1000), "half the interval");
    }

    @Test
    void shouldGrowABusyShardsStepTheLongerItsFileIsOverdue()
    {
        final long idleOnlyNs = CheckpointCoordinator.idleOnlyNs(1000);
        final ShardStateWriter busy = new ShardStateWriter(0, written, idleOnlyNs,
            ShardStateWriter.COMMAND_QUEUE_CAPACITY);
        busy.expect(3, 1_000);
        final long overdueAt = 1_000 + idleOnlyNs;
        final long rampNs = idleOnlyNs / 8;
        assertEquals(16, busy.underLoadBudget(overdueAt, 16), "as much as the cycle's work when it becomes overdue");
        assertEquals(16, busy.underLoadBudget(overdueAt + rampNs - 1, 16));
        assertEquals(32, busy.underLoadBudget(overdueAt + rampNs, 16), "once more per eighth of the idle-only time");
        assertEquals(13 * 16, busy.underLoadBudget(overdueAt + 12 * rampNs, 16),
            "a dozen times the work three quarters of a second later, at a checkpoint a second");
        assertEquals(ShardStateWriter.MAX_STEP_ENTRIES, busy.underLoadBudget(overdueAt + 10_000 * rampNs, 16),
            "never more than the most an event may wait for");
        assertEquals(ShardStateWriter.MAX_STEP_ENTRIES, busy.underLoadBudget(overdueAt + 10_000_000 * rampNs,
            Integer.MAX_VALUE), "nor overflows");
        busy.abandon();
        busy.expect(4, overdueAt + 12 * rampNs);
        assertEquals(16, busy.underLoadBudget(overdueAt + 12 * rampNs + idleOnlyNs, 16),
            "counted from the latest snapshot point");

        final ShardStateWriter onRequest = new ShardStateWriter(1, written, CheckpointCoordinator.idleOnlyNs(0),
            ShardStateWriter.COMMAND_QUEUE_CAPACITY);
        onRequest.expect(7, 0);
        assertEquals(16, onRequest.underLoadBudget(9_999_999, 16), "without an interval, grows every 10 ms");
        assertEquals(32, onRequest.underLoadBudget(10_000_000, 16));
    }

    @Test
    void shouldSizeABusyShardsStepByTheEntriesItsEventsChangedWhereTheSnapshotSays()
    {
        final ShardStateWriter busy = new ShardStateWriter(0, written, IDLE_ONLY_NS,
            ShardStateWriter.COMMAND_QUEUE_CAPACITY);
        // An interval of 1,000 events in which they changed 6,000 entries (a dozen-entry transaction, deduplicated).
        busy.expect(1, 0);
        for (int cycle = 0; cycle < 100; cycle++)
        {
            busy.onWork(10);
        }
        busy.expect(2, 1_000);
        busy.onWork(500); // work after the snapshot point belongs to the next interval
        final CountingSnapshot changes = new CountingSnapshot(2, 100_000);
        changes.hint = 6_000;
        busy.handOver(2, changes, open(2));
        final long overdueAt = 1_000 + IDLE_ONLY_NS;
        assertEquals(16, busy.underLoadBudget(overdueAt, 16), "before the file is taken: an entry per event");
        busy.write(busy.underLoadBudget(overdueAt, 16));
        assertEquals(12 * 16, busy.underLoadBudget(overdueAt, 16),
            "twice the six entries per event of the interval, from the first overdue step on");
        assertEquals(12 * 16, busy.underLoadBudget(overdueAt + IDLE_ONLY_NS, 16), "and no ramp on top");
        assertEquals(List.of(16), changes.budgets, "the first step was read at the budget asked");

        // The next interval: 500 units of work for 100 changed entries (a counter a key): once per event.
        busy.expect(3, 2_000);
        final CountingSnapshot few = new CountingSnapshot(3, 100);
        few.hint = 100;
        busy.handOver(3, few, open(3));
        busy.write(16);
        assertEquals(16, busy.underLoadBudget(2_000 + IDLE_ONLY_NS, 16), "at least an entry per event");
        assertEquals(16, busy.underLoadBudget(2_000 + 10 * IDLE_ONLY_NS, 16));
        busy.abandon();
    }

    @Test
    void shouldRefuseACommandWhenItsQueueIsFullAndTakeStaleOnesBeforeTheFileInOrder() throws IOException
    {
        writer.expect(9, 0);
        for (int i = 0; i < ShardStateWriter.COMMAND_QUEUE_CAPACITY; i++)
        {
            assertTrue(writer.cancel(i + 1), "cancellation of abandoned checkpoint " + (i + 1));
        }
        final CountingSnapshot snapshot = new CountingSnapshot(9, 3);
        final ShardStateWriter.Task file = new ShardStateWriter.Task(9, 0, snapshot, open(9));
        assertFalse(writer.handOver(file), "a full command queue refuses the command");
        assertTrue(writer.isBusy());

        assertEquals(1, writer.write(8), "one stale command dropped");
        assertTrue(writer.handOver(file), "queued once the shard made room");
        for (int i = 1; i < ShardStateWriter.COMMAND_QUEUE_CAPACITY; i++)
        {
            assertEquals(1, writer.write(8));
            assertTrue(writer.isBusy(), "a stale cancellation does not stop the current checkpoint");
        }
        assertEquals(1, writer.write(8));
        assertFalse(writer.isBusy());
        assertSame(file, written.poll());
        assertEquals(1, snapshot.releases);
    }

    @Test
    void shouldStopExpectingACheckpointAbandonedBeforeItsFileWasOpened()
    {
        writer.expect(3, 0);
        writer.cancel(3);
        assertEquals(1, writer.write(16));
        assertFalse(writer.isBusy());
        assertNull(written.peek());
    }

    @Test
    void shouldDropTheFileOfAnAbandonedCheckpointAtTheNextSnapshotPoint() throws IOException
    {
        final CountingSnapshot abandoned = startWriting(1);
        assertEquals(1, files().size(), "the temp file being written");

        writer.expect(2, 0);
        assertEquals(1, abandoned.releases);
        assertEquals(List.of(), files(), "the abandoned temp file is deleted");

        writer.cancel(1); // the checkpoint thread catching up with the abandoned point: ignored
        assertEquals(1, writer.write(8));
        assertTrue(writer.isBusy(), "still expecting checkpoint 2");

        final CountingSnapshot next = new CountingSnapshot(2, 3);
        writer.handOver(2, next, open(2));
        assertEquals(1, writer.write(8));
        assertFalse(writer.isBusy());
        assertEquals(2, ((ShardStateWriter.Task)written.poll()).checkpointId);
        assertNull(written.peek());
    }

    @Test
    void shouldDeleteUnfinishedFilesWhenTheShardStops() throws IOException
    {
        final CountingSnapshot reading = startWriting(1);
        writer.abandon();
        assertFalse(writer.isBusy());
        assertEquals(1, reading.releases);
        assertEquals(List.of(), files());

        // A file handed over after the shard stopped is reclaimed by the checkpoint thread when it closes.
        final CountingSnapshot late = new CountingSnapshot(2, 5);
        writer.handOver(2, late, open(2));
        writer.reclaim();
        assertEquals(1, late.releases);
        assertEquals(List.of(), files());
        assertSame(null, written.peek());
    }
}
