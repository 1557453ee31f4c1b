package io.weir.snapshot;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

import java.util.ArrayList;
import java.util.List;

/**
 * Seeds of randomised tests. {@link #seed} returns {@code -Dweir.test.seed} if it is set and a new seed otherwise,
 * prints it and remembers it for the running test. A test class registered with
 * {@code @ExtendWith(TestSeeds.class)} has any failure of such a test (an assertion, or an exception thrown by the
 * code under test) rethrown with the seed in front of its message, so that the test report alone is enough to
 * replay it. Seeds are kept per thread: call {@link #seed} on the thread running the test.
 */
public final class TestSeeds implements TestExecutionExceptionHandler, AfterEachCallback
{
    /** The system property that replays a seed. */
    public static final String SEED_PROP_NAME = "weir.test.seed";

    private static final ThreadLocal<List<Long>> SEEDS = ThreadLocal.withInitial(ArrayList::new);

    /**
     * @param what names the test or the part of it that uses the seed, for the printed line.
     * @return the seed to use.
     */
    public static long seed(final String what)
    {
        final long seed = Long.getLong(SEED_PROP_NAME, System.nanoTime());
        SEEDS.get().add(seed);
        System.out.println(what + " seed=" + seed + " (replay with -D" + SEED_PROP_NAME + "=" + seed + ")");
        return seed;
    }

    public void handleTestExecutionException(final ExtensionContext context, final Throwable throwable)
        throws Throwable
    {
        final List<Long> seeds = SEEDS.get();
        if (seeds.isEmpty() || throwable instanceof TestAbortedException)
        {
            throw throwable;
        }
        final StringBuilder message = new StringBuilder(seeds.size() == 1 ? "seed " : "seeds ");
        for (int i = 0; i < seeds.size(); i++)
        {
            message.append(i == 0 ? "" : ", ").append(seeds.get(i));
        }
        message.append(" (replay with -D").append(SEED_PROP_NAME).append('=').append(seeds.get(0)).append("): ")
            .append(throwable);
        final AssertionError withSeed = new AssertionError(message.toString(), throwable);
        withSeed.setStackTrace(throwable.getStackTrace());
        throw withSeed;
    }

    public void afterEach(final ExtensionContext context)
    {
        SEEDS.remove();
    }
}
