package io.weir.tools;

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
 * The packaged CLI jar as a user runs it: {@code java -jar tools/target/weir.jar ...} with no JVM flags. Runs in
 * the integration-test phase, after the shaded jar is built (failsafe passes its path as {@code weir.jar}).
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

    private static Result run(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
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
