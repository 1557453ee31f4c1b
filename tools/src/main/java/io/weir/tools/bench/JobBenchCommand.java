package io.weir.tools.bench;

import io.weir.engine.WeirContext;
import io.weir.tools.common.ThreadingOption;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.state.spi.StateBackend;
import io.weir.tools.common.Backends;
import io.weir.tools.common.Options;
import io.weir.tools.common.UsageException;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.ReferenceJobs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code weir bench --job NAME}: one reference job of docs/reference-jobs.md, or their stateless floor, file in &rarr;
 * file out, on a generated input, with checkpoints; prints the job's time (wiring, reading, processing, writing and committing its output)
 * and ends with a RESULT line.
 */
final class JobBenchCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir bench --job NAME [OPTIONS]",
        "",
        "Runs a reference job (rolling-sum | dedup | session | tumbling | velocity) from a CSV input to CSV outputs",
        "and times it; 'stateless' runs their floor: the same reading, watermarks, routing by key and CSV output,",
        "with a function that writes each event as a row and keeps no state. The input is generated once and kept",
        "(the same generator, byte for byte, as the Flink comparison harness's: ts_millis,key,amount,event_id with 1%",
        "duplicates, 0.1% late events, bursts, pauses).",
        "",
        "  --events N                  events (default 5,000,000)",
        "  --keys K                    distinct keys (default 200,000)",
        "  --seed S                    generator seed (default 42)",
        "  --out-of-order-ms D         disorder of the input and the jobs' watermark bound (default 5000)",
        "  --in FILE                   read this input instead of generating one",
        "  --work-dir DIR              where the input is generated and the outputs go (default: the temp directory)",
        "  --shards S                  shards (default 2)",
        "  --threading T               dedicated (default: a thread per shard) | shared (one thread runs every",
        "                              shard) | invoker (the thread that waits for the job runs them)",
        "  --backend B                 chronicle (default) | lmdb | heap",
        "  --checkpoint-interval-ms M  checkpoints every M ms (default 1000; 0 = off)",
        "  --expected-entries-per-shard E   the stores' sizing hint (default: WeirContext's, as 'weir job' runs)",
        "  --count-store-ops           count the state store's gets, puts and removes per event (adds a call to each)",
        "");

    /** The reference jobs and their stateless floor. */
    private static final List<String> JOBS = Stream.concat(ReferenceJobs.NAMES.stream(),
        Stream.of(ReferenceJobs.STATELESS)).toList();

    private JobBenchCommand()
    {
    }

    static int run(final String[] args, final PrintStream out, final PrintStream err) throws Exception
    {
        final Options options = Options.parse("weir bench", args, 0,
            Set.of("job", "events", "keys", "seed", "out-of-order-ms", "in", "work-dir", "shards", "threading", "backend",
                "checkpoint-interval-ms", "expected-entries-per-shard"),
            Set.of("help", "count-store-ops"));
        if (options.flag("help"))
        {
            out.print(USAGE);
            return 0;
        }
        options.checkPositional(0, "no arguments besides options");
        final String name = options.choice("job", "rolling-sum", JOBS);
        final long events = options.longValue("events", 5_000_000, 1, Long.MAX_VALUE / 2);
        final int keys = options.intValue("keys", 200_000, 1, Integer.MAX_VALUE);
        final long seed = options.longValue("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE);
        final long outOfOrdernessMs = options.longValue("out-of-order-ms", 5000, 0, 20_000);
        final int shards = options.intValue("shards", 2, 1, 128);
        final String backendName = options.choice("backend", Backends.DEFAULT, Backends.NAMES);
        final long intervalMs = options.longValue("checkpoint-interval-ms", 1000, 0, Long.MAX_VALUE);
        final Path workDir = options.flag("work-dir") ? options.path("work-dir") :
            Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(workDir);

        final Path in;
        if (options.flag("in"))
        {
            in = options.path("in");
            if (!Files.isRegularFile(in))
            {
                err.println("weir bench: input file not found: " + in);
                return 1;
            }
        }
        else
        {
            in = workDir.resolve(String.format(Locale.ROOT,
                "weir-jobs-%d-%d-%d-%d.csv", events, keys, seed, outOfOrdernessMs));
            if (!Files.exists(in))
            {
                final long genStartNs = System.nanoTime();
                new JobInputGenerator(events, keys, seed, outOfOrdernessMs).writeTo(in);
                out.printf(Locale.ROOT,
                    "weir bench: generated %s in %.1f s%n", in, (System.nanoTime() - genStartNs) / 1e9);
            }
        }
        final Path outFile = workDir.resolve("weir-bench-" + name + "-" + ProcessHandle.current().pid() + ".csv");
        final Path checkpointDir = intervalMs == 0 ? null : Files.createTempDirectory(workDir, "weir-bench-chk-");
        final StateBackend backend = Backends.create(backendName, null, false);
        final CountingStateBackend counting = options.flag("count-store-ops") ? new CountingStateBackend(backend) :
            null;
        final WeirContext context = new WeirContext()
            .shards(shards)
            .threading(ThreadingOption.parse(options, "weir bench"))
            .stateBackend(counting != null ? counting : backend)
            .log(message -> err.println("weir bench " + name + ": " + message));
        if (options.flag("expected-entries-per-shard"))
        {
            context.expectedEntriesPerShard(
                options.longValue("expected-entries-per-shard", 1, 1, Long.MAX_VALUE / 2));
        }
        if (checkpointDir != null)
        {
            context.checkpoints(CheckpointSettings.every(checkpointDir, intervalMs).retainedCheckpoints(2));
        }
        out.printf(Locale.ROOT, "weir bench: job %s, %s, %d shard(s), backend %s, checkpoints %s%n", name, in, shards,
            backendName, intervalMs == 0 ? "off" : "every " + intervalMs + " ms");
        try
        {
            final long startNs = System.nanoTime();
            final long endNs;
            final long processed;
            final int checkpoints;
            final String pauses;
            try (WeirJob<?, ?> job = ReferenceJobs.build(name, in, outFile, outOfOrdernessMs, context))
            {
                job.start();
                job.awaitTermination();
                endNs = System.nanoTime();
                processed = job.eventsProcessed();
                checkpoints = job.completedCheckpoints().size();
                pauses = pauses(job.completedCheckpoints());
            }
            final double seconds = (endNs - startNs) / 1e9;
            final long rows = lines(outFile);
            final String late = ReferenceJobs.hasLateOutput(name) ?
                " late_rows=" + lines(ReferenceJobs.latePath(outFile)) : "";
            final String ops = counting == null ? "" : String.format(Locale.ROOT,
                " store_gets_per_event=%.2f store_puts_per_event=%.2f store_removes_per_event=%.2f",
                counting.gets() / (double)processed, counting.puts() / (double)processed,
                counting.removes() / (double)processed);
            out.printf(Locale.ROOT, "RESULT job=%s backend=%s shards=%d events=%d checkpoints=%d rows=%d%s job_ms=%d " +
                "events_per_s=%.0f%s%s%n", name, backendName, shards, processed, checkpoints, rows, late,
                Math.round(seconds * 1000), processed / seconds, ops, pauses);
            return 0;
        }
        finally
        {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(ReferenceJobs.latePath(outFile));
            if (checkpointDir != null)
            {
                deleteRecursively(checkpointDir);
            }
        }
    }

    /**
     * The shards' pauses at the completed checkpoints' snapshot points (barrier aligned to processing resumed), their
     * median and maximum over every shard and checkpoint; empty without checkpoints.
     */
    private static String pauses(final List<CheckpointStats> checkpoints)
    {
        final long[] pauses = BenchCommand.sortedPauses(checkpoints);
        if (0 == pauses.length)
        {
            return "";
        }
        return String.format(Locale.ROOT, " pause_p50_us=%.1f pause_max_us=%.1f", pauses[pauses.length / 2] / 1e3,
            pauses[pauses.length - 1] / 1e3);
    }

    private static long lines(final Path file) throws IOException
    {
        if (!Files.exists(file))
        {
            return 0;
        }
        long count = 0;
        final byte[] buffer = new byte[1 << 16];
        try (java.io.InputStream in = Files.newInputStream(file))
        {
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] == '\n')
                    {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    private static void deleteRecursively(final Path dir) throws IOException
    {
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
