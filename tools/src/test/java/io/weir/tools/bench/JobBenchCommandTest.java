package io.weir.tools.bench;

import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class JobBenchCommandTest
{
    private static final Pattern RESULT = Pattern.compile(
        "^RESULT job=velocity backend=heap shards=2 events=(\\d+) checkpoints=\\d+ rows=(\\d+) late_rows=(\\d+) " +
        "job_ms=\\d+ events_per_s=\\d+ store_gets_per_event=(\\S+) store_puts_per_event=(\\S+) " +
        "store_removes_per_event=(\\S+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void shouldGenerateTheComparisonHarnesssInputByteForByte() throws Exception
    {
        final Path file = dir.resolve("in.csv");
        new JobInputGenerator(3, 2000, 42, 5000).writeTo(file);
        // The first lines the harness's generator writes for --events 3 --keys 2000 --seed 42 --out-of-order-ms 5000.
        assertEquals(List.of("1699999998452,1929,1626,1", "1699999998562,487,9824,2", "1699999998453,1994,3524,3"),
            Files.readAllLines(file));
    }

    @Test
    void shouldRunAReferenceJobFromAGeneratedFileAndCountStoreOperations()
    {
        // 2,000 keys: a few timestamps of history per key, one chunk.
        final Matcher result = velocity(2_000);
        // One read of the list and one append or replacement per accepted event.
        assertTrue(Double.parseDouble(result.group(4)) <= 2.0 && Double.parseDouble(result.group(5)) <= 1.0,
            result.group());
        assertTrue(Files.exists(dir.resolve("weir-jobs-20000-2000-42-5000.csv")), "the input is kept for the next run");
    }

    @Test
    void shouldRunTheStatelessFloorWritingEveryEventAsARowWithoutTouchingTheStore()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exit = WeirCli.run(new String[]{"bench", "--job", "stateless", "--events", "20000", "--keys", "2000",
            "--backend", "heap", "--checkpoint-interval-ms", "100", "--work-dir", dir.toString(), "--count-store-ops"},
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        final Matcher result = Pattern.compile("^RESULT job=stateless backend=heap shards=2 events=20000 " +
            "checkpoints=\\d+ rows=(\\d+) job_ms=\\d+ events_per_s=\\d+ store_gets_per_event=0.00 " +
            "store_puts_per_event=0.00 store_removes_per_event=0.00$", Pattern.MULTILINE).matcher(text);
        assertTrue(result.find(), text);
        assertEquals(20_000, Long.parseLong(result.group(1)), "a row per event, late and duplicate ones too");
    }

    @Test
    void shouldReadALongHistoryChunkByChunk()
    {
        // 50 keys: about 200 timestamps of history per key, five chunks; one entry per element read 200.
        final Matcher result = velocity(50);
        assertTrue(Double.parseDouble(result.group(4)) < 10.0 && Double.parseDouble(result.group(5)) < 2.0,
            result.group());
    }

    private Matcher velocity(final int keys)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exit = WeirCli.run(new String[]{"bench", "--job", "velocity", "--events", "20000", "--keys",
            Integer.toString(keys), "--backend", "heap", "--checkpoint-interval-ms", "100", "--work-dir",
            dir.toString(), "--count-store-ops"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        final Matcher result = RESULT.matcher(text);
        assertTrue(result.find(), text);
        assertEquals(20_000, Long.parseLong(result.group(1)));
        assertTrue(Long.parseLong(result.group(2)) > 0 && Long.parseLong(result.group(3)) > 0, text);
        return result;
    }
}
