package io.weir.tools.snapshot;

import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.snapshot.SnapshotFileDescriptor;
import io.weir.snapshot.SnapshotFileReader;
import io.weir.tools.common.Backends;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.ReferenceJobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real checkpoints, written by the engine running the {@code session} reference job: checkpoint 1 a FULL base,
 * checkpoints 2..4 DELTAs on it (with tombstones: sessions close as the keys in use move on), savepoint 5 stopping
 * the job; every one with a timers file per shard (a timer per open session).
 */
final class JobCheckpoints
{
    static final int SHARDS = 2;
    static final int MAX_PARALLELISM = 16;
    /** 20 s of input at the source's rate: the job never reaches its end before the savepoint stops it. */
    static final long EVENTS = 200_000;
    static final long SOURCE_RATE = 10_000;
    static final long OUT_OF_ORDERNESS_MS = 1000;
    private static final long EVENTS_BETWEEN_CHECKPOINTS = 600;

    private JobCheckpoints()
    {
    }

    /**
     * {@code ts,key,amount,id}: an event every 100 ms of event time; 100 keys at a time, each seen every 10 s, and a
     * new 100 every 500 events (50 s, more than the 30 s session gap), so sessions both stay open and close.
     */
    static void writeInput(final Path in) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (long i = 0; i < EVENTS; i++)
        {
            final long key = i % 100 + 100 * ((i / 500) % 3);
            sb.append(i * 100).append(',').append(key).append(',').append(i % 7).append(',').append(i).append('\n');
        }
        Files.writeString(in, sb, StandardCharsets.US_ASCII);
    }

    /** The arguments of {@code weir job session} over this input, to which a test adds checkpoint options. */
    static List<String> jobArgs(final Path in, final Path out, final String backend)
    {
        return List.of("job", "session", "--in", in.toString(), "--out", out.toString(), "--backend", backend,
            "--shards", Integer.toString(SHARDS), "--max-parallelism", Integer.toString(MAX_PARALLELISM),
            "--out-of-order-ms", Long.toString(OUT_OF_ORDERNESS_MS));
    }

    /**
     * Runs the job over {@code in} with checkpoints under {@code root} until savepoint 5.
     *
     * @return the checkpoint root.
     */
    static Path write(final Path in, final Path root, final Path work, final String backend) throws Exception
    {
        final WeirContext context = new WeirContext()
            .shards(SHARDS)
            .maxParallelism(MAX_PARALLELISM)
            .stateBackend(Backends.create(backend, null, false))
            .checkpoints(CheckpointSettings.every(root, 0))
            .log(message -> {});
        final WeirJob<?, ?> job = ReferenceJobs.build("session", in, work.resolve("out-" + backend + ".csv"),
            OUT_OF_ORDERNESS_MS, context, SOURCE_RATE);
        try (job)
        {
            job.start();
            long before = 0;
            for (int i = 0; i < 4; i++)
            {
                final long target = before + EVENTS_BETWEEN_CHECKPOINTS;
                while (job.eventsProcessed() < target && !job.hasFailed())
                {
                    LockSupport.parkNanos(1_000_000);
                }
                before = job.eventsProcessed();
                job.triggerCheckpoint().get(30, TimeUnit.SECONDS);
            }
            job.stopWithSavepoint(30, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.list(root.resolve("shared")))
        {
            final List<Path> paths = files.sorted().toList();
            final List<String> names = paths.stream().map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.endsWith(".delta")), backend + ": no delta file in " + names);
            assertTrue(names.stream().anyMatch(n -> n.endsWith(".timers")), backend + ": no timers file in " + names);
            assertTrue(tombstones(paths) > 0, backend + ": no tombstone in the delta files " + names);
        }
        assertTrue(Files.isRegularFile(root.resolve("savepoint-0000000005/MANIFEST")), backend + ": no savepoint 5");
        return root;
    }

    private static long tombstones(final List<Path> files)
    {
        final long[] tombstones = new long[1];
        for (final Path file : files)
        {
            if (file.getFileName().toString().endsWith(".delta"))
            {
                try (SnapshotFileReader reader = SnapshotFileReader.open(file))
                {
                    reader.forEach((keyGroup, type, key, keyOffset, keyLength, value, valueOffset, valueLength) ->
                        tombstones[0] += type == SnapshotFileDescriptor.ENTRY_TOMBSTONE ? 1 : 0);
                }
            }
        }
        return tombstones[0];
    }

    /** A copy of a checkpoint root, to damage. */
    static void copy(final Path from, final Path to) throws IOException
    {
        try (Stream<Path> paths = Files.walk(from))
        {
            for (final Path path : (Iterable<Path>)paths::iterator)
            {
                final Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(path, target);
                }
            }
        }
    }
}
