package io.weir.flink;

import io.weir.tools.cli.WeirCli;
import io.weir.tools.jobs.ReferenceJobs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code weir job NAME --engine flink}, with the adapter on the classpath: the golden output. */
@Timeout(120)
class CliOnFlinkTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRunAReferenceJobOnFlink() throws Exception
    {
        runVelocity();
    }

    @Test
    void shouldRunAReferenceJobOnFlinkUnderALocaleWithOtherDigits() throws Exception
    {
        final Locale before = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("ar-EG"));
        try
        {
            runVelocity();
        }
        finally
        {
            Locale.setDefault(before);
        }
    }

    private void runVelocity() throws Exception
    {
        final Path golden = Outputs.GOLDEN.resolve("edge");
        final Path out = dir.resolve("velocity.csv");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = WeirCli.run(new String[]{"job", "velocity", "--in", golden.resolve("input.csv").toString(),
            "--out", out.toString(), "--out-of-order-ms", "1000", "--engine", "flink", "--parallelism", "2",
            "--backend", "rocksdb"}, new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        Outputs.assertSameRows(Outputs.numericallySorted(golden.resolve("velocity.csv")),
            Outputs.numericallySorted(out), "velocity");
        Outputs.assertSameRows(Outputs.numericallySorted(golden.resolve("velocity.late.csv")),
            Outputs.numericallySorted(ReferenceJobs.latePath(out)), "velocity late");
    }
}
