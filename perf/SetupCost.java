import io.weir.state.offheap.ChronicleStateBackend;
import io.weir.state.spi.KeyedStateStore;

/**
 * The fixed cost of the chronicle backend before a job's first event: the first map of a JVM (class loading and
 * Chronicle's initialisation), then two maps sized for ENTRIES, as a job of two shards creates them.
 *
 * <pre>
 * javac -cp tools/target/weir.jar -d /tmp perf/SetupCost.java
 * java $(cat tools/target/classes/weir-jvm.flags) -cp tools/target/weir.jar:/tmp SetupCost 1048576
 * </pre>
 */
public final class SetupCost
{
    public static void main(final String[] args)
    {
        final long entries = Long.parseLong(args[0]);
        final ChronicleStateBackend backend = new ChronicleStateBackend();
        final long t0 = System.nanoTime();
        final KeyedStateStore first = backend.createStore("first", 9, 1024);
        final long t1 = System.nanoTime();
        final KeyedStateStore shard0 = backend.createStore("op", 0, entries);
        final long t2 = System.nanoTime();
        final KeyedStateStore shard1 = backend.createStore("op", 1, entries);
        final long t3 = System.nanoTime();
        System.out.printf("first map %d ms; maps of %d entries: %d ms, %d ms%n",
            (t1 - t0) / 1_000_000, entries, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
        first.close();
        shard0.close();
        shard1.close();
    }
}
