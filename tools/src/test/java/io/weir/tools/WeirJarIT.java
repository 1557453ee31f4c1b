package io.weir.tools;

import io.weir.snapshot.ChildJvmCommand;
import io.weir.tools.jobs.ReferenceJobs;
import io.weir.tools.nexmark.NexmarkGoldenRows;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged CLI jar as a user runs it: {@code java -jar tools/target/weir.jar ...}, with no JVM flags or with the
 * ./weir launcher's. Runs in the integration-test phase, after the shaded jar is built (failsafe passes its path as
 * {@code weir.jar}).
 */
@Timeout(180)
class WeirJarIT
{
    @TempDir
    Path tempDir;

    @Test
    void shouldGrantInItsManifestExactlyTheAccessTheEngineJarLists() throws IOException
    {
        try (JarFile jar = new JarFile(jar().toFile()))
        {
            final Attributes manifest = jar.getManifest().getMainAttributes();
            final Set<String> fromManifest = new TreeSet<>();
            for (final String target : manifest.getValue("Add-Exports").trim().split("\\s+"))
            {
                fromManifest.add("--add-exports=" + target + "=ALL-UNNAMED");
            }
            for (final String target : manifest.getValue("Add-Opens").trim().split("\\s+"))
            {
                fromManifest.add("--add-opens=" + target + "=ALL-UNNAMED");
            }
            final String listed;
            try (InputStream in = jar.getInputStream(jar.getEntry("META-INF/weir/jvm.flags")))
            {
                listed = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            assertEquals(new TreeSet<>(List.of(listed.split("\\s+"))), fromManifest,
                "the root pom's weir.manifest.add-exports/add-opens against weir.jvm.flags");
        }
    }

    /** Flink and the adapter join the classpath only for --engine flink (the ./weir launcher): not in the jar. */
    @Test
    void shouldCarryNothingOfFlink() throws IOException
    {
        try (JarFile jar = new JarFile(jar().toFile()))
        {
            final List<String> flink = jar.stream().map(java.util.jar.JarEntry::getName)
                .filter(name -> name.startsWith("org/apache/flink/") || name.startsWith("io/weir/flink/")).toList();
            assertTrue(flink.isEmpty(), "Flink classes in weir.jar: " + flink.subList(0, Math.min(5, flink.size())));
        }
    }

    @Test
    void shouldRunAReferenceJobWithoutJvmFlags() throws Exception
    {
        final Path golden = GoldenFiles.root().resolve("basic");
        for (final String backend : List.of("chronicle", "lmdb"))
        {
            final Path out = tempDir.resolve(backend + ".csv");
            final Result result = run("job", "rolling-sum", "--in", golden.resolve("input.csv").toString(),
                "--out", out.toString(), "--backend", backend, "--state-dir", tempDir.resolve(backend).toString());
            assertEquals(0, result.exitCode, result.output);
            assertFalse(result.output.contains("Exception") || result.output.contains("WARNING"), result.output);
            assertFalse(result.output.contains("chronicle.software"), "Chronicle's banner:\n" + result.output);
            GoldenFiles.assertSameRows(golden.resolve("rolling-sum.csv"), out, "java -jar weir.jar, " + backend);
        }
    }

    /**
     * The launcher's flags ({@code tools/target/classes/weir-jvm.flags}) turn Agrona's bounds checks off, which no
     * other test does: an access out of bounds would read or write past its buffer here instead of throwing. Every
     * reference job over every golden case, and every Nexmark query over the small case, through the packaged jar
     * with those flags, on two shards with checkpoints, must still give the reference's rows.
     */
    @Test
    @Timeout(600)
    void shouldGiveTheGoldenResultsWithTheLaunchersFlags() throws Exception
    {
        final List<String> flags = launcherFlags();
        assertTrue(flags.contains("-Dagrona.disable.bounds.checks=true"), "bounds checks off in " + flags);
        for (final String goldenCase : GoldenFiles.CASES)
        {
            final Path golden = GoldenFiles.root().resolve(goldenCase);
            for (final String backend : goldenCase.equals("basic") ? List.of("chronicle", "lmdb") : List.of("chronicle"))
            {
                for (final String job : ReferenceJobs.NAMES)
                {
                    final String what = goldenCase + ", " + job + ", " + backend;
                    final Path dir = Files.createDirectories(tempDir.resolve(goldenCase + "-" + job + "-" + backend));
                    final Path out = dir.resolve("out.csv");
                    final Result result = run(flags, "job", job, "--in", golden.resolve("input.csv").toString(),
                        "--out", out.toString(), "--backend", backend, "--shards", "2",
                        "--out-of-order-ms", Long.toString(GoldenFiles.outOfOrdernessMs(goldenCase)),
                        "--state-dir", dir.resolve("state").toString(),
                        "--checkpoint-dir", dir.resolve("checkpoints").toString());
                    assertEquals(0, result.exitCode, what + "\n" + result.output);
                    GoldenFiles.assertSameRows(golden.resolve(job + ".csv"), out, what);
                    final Path goldenLate = golden.resolve(job + ".late.csv");
                    if (Files.exists(goldenLate))
                    {
                        GoldenFiles.assertSameRows(goldenLate, ReferenceJobs.latePath(out), what + ", late");
                    }
                }
            }
        }
        final Path events = tempDir.resolve("nexmark-small.csv");
        final Result generated = run(flags, "nexmark", "gen", "--events", "50000", "--seed", "1", "--event-rate",
            "200", "--out", events.toString());
        assertEquals(0, generated.exitCode, generated.output);
        final Path results = tempDir.resolve("nexmark");
        final Result ran = run(flags, "nexmark", "run", "all", "--in", events.toString(), "--out", results.toString(),
            "--shards", "2", "--checkpoint-dir", tempDir.resolve("nexmark-checkpoints").toString());
        assertEquals(0, ran.exitCode, ran.output);
        for (final String query : NexmarkQueries.NAMES)
        {
            NexmarkGoldenRows.assertEqualsSmallCase(query, results.resolve(query + ".csv"));
        }
    }

    @Test
    void shouldPrintItsVersionAndHelp() throws Exception
    {
        final Result version = run("--version");
        assertEquals(0, version.exitCode, version.output);
        assertTrue(version.output.matches("weir \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n"), version.output);
        final Result help = run("job", "-h");
        assertEquals(0, help.exitCode, help.output);
        assertTrue(help.output.startsWith("Usage: weir job"), help.output);
    }

    private record Result(int exitCode, String output)
    {
    }

    static Path jar()
    {
        final String path = System.getProperty("weir.jar");
        assertNotNull(path, "system property weir.jar (set by failsafe in tools/pom.xml)");
        final Path jar = Path.of(path);
        assertTrue(Files.isRegularFile(jar), jar + " is not built");
        return jar;
    }

    /** The flags the ./weir launcher reads, as the build wrote them to the class path. */
    private static List<String> launcherFlags() throws IOException
    {
        try (InputStream in = WeirJarIT.class.getResourceAsStream("/weir-jvm.flags"))
        {
            assertNotNull(in, "weir-jvm.flags on the class path");
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+"));
        }
    }

    private static Result run(final String... args) throws IOException, InterruptedException
    {
        return run(List.of(), args);
    }

    private static Result run(final List<String> jvmFlags, final String... args)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(ChildJvmCommand.localeOptions());
        command.add("-Xmx512m");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }
}
