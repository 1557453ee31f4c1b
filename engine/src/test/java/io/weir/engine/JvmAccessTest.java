package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.codec.LongCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.snapshot.ChildJvmCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started without the flags of {@code META-INF/weir/jvm.flags} fails on the first job built, with one message
 * naming exactly the flags it lacks, before Agrona or Chronicle can fail with their own errors.
 */
@Timeout(120)
class JvmAccessTest
{
    @Test
    void shouldShipTheFlagListAndFindNothingMissingInThisJvm()
    {
        final List<String> flags = JvmAccess.requiredFlags();
        assertTrue(flags.contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), flags.toString());
        assertTrue(flags.stream().allMatch(f -> f.startsWith("--add-exports=") || f.startsWith("--add-opens=")),
            "only module access flags belong in the list an embedder copies: " + flags);
        assertEquals(List.of(), JvmAccess.missingFlags(), "surefire passes weir.jvm.flags");
    }

    @Test
    void shouldNameEveryMissingFlagWhenStartedWithoutAny() throws Exception
    {
        final List<String> flags = JvmAccess.requiredFlags();
        final Result result = buildOneJobInChildJvm(List.of());
        assertEquals(JvmAccess.missingMessage(flags), result.output.trim(), "exit code " + result.exitCode);
        assertEquals(3, result.exitCode, result.output);
    }

    @Test
    void shouldNameOnlyTheMissingFlag() throws Exception
    {
        final List<String> flags = JvmAccess.requiredFlags();
        final String left = "--add-opens=java.base/java.nio=ALL-UNNAMED";
        assertTrue(flags.contains(left), flags.toString());
        final List<String> given = new ArrayList<>(flags);
        given.remove(left);
        final Result result = buildOneJobInChildJvm(given);
        assertEquals(JvmAccess.missingMessage(List.of(left)), result.output.trim(), "exit code " + result.exitCode);
    }

    @Test
    void shouldRunTheJobWithEveryFlag() throws Exception
    {
        final Result result = buildOneJobInChildJvm(JvmAccess.requiredFlags());
        assertEquals("processed 3", result.output.trim());
        assertEquals(0, result.exitCode);
    }

    private record Result(int exitCode, String output)
    {
    }

    private static Result buildOneJobInChildJvm(final List<String> flags) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.addAll(ChildJvmCommand.localeOptions());
        command.add("-Xmx256m");
        // Only the job's own output: no counters file, so no line about another process's stale one.
        command.add("-Dweir.counters.enabled=false");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(OneJob.class.getName());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final int exitCode = process.waitFor();
        return new Result(exitCode, output);
    }

    /** Builds and runs one job as an embedding application would; prints a failure's message alone, exit code 3. */
    static final class OneJob
    {
        public static void main(final String[] args) throws Exception
        {
            final WeirJob<Long, Long> job;
            try
            {
                job = JobBuilder.named("one", LongCodec.INSTANCE)
                    .timestamps(v -> v, WatermarkStrategy.noWatermarks())
                    .keyBy(v -> v)
                    .process(Forward::new)
                    .sink(new HandlerSink<Long>((shard, value) -> { }))
                    .build(new WeirContext().shards(1).externalProducers(1));
            }
            catch (final IllegalStateException ex)
            {
                System.out.println(ex.getMessage());
                System.exit(3);
                return;
            }
            try (job)
            {
                job.start();
                final Producer<Long> producer = job.producer(0);
                for (long i = 1; i <= 3; i++)
                {
                    while (!producer.tryOffer(i))
                    {
                        Thread.onSpinWait();
                    }
                }
                producer.endOfInput();
                job.awaitTermination();
                System.out.println("processed " + job.eventsProcessed());
            }
        }
    }

    static final class Forward extends KeyedProcessFunction<Long, Long, Long>
    {
        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            out.collect(value);
        }
    }
}
