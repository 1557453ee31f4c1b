package io.weir.jmh;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Guards every benchmark's {@code @Setup}: the forked JVMs must carry Weir's JVM flags (the root pom's
 * {@code weir.jvm.flags}). Forks inherit the flags of the JVM that launched {@code benchmarks.jar} because the
 * {@code @Fork} annotations carry no {@code jvmArgs}, so the list lives in one place only.
 */
final class JvmFlags
{
    static final String HOW_TO_RUN =
        "run via java $(cat tools/target/classes/weir-jvm.flags) -jar jmh/target/benchmarks.jar";

    private static final String REQUIRED_EXPORT = "java.base/jdk.internal.misc=";

    private JvmFlags()
    {
    }

    /**
     * Fails with a clear message when {@code --add-exports java.base/jdk.internal.misc} is missing (Agrona's
     * UnsafeApi would otherwise fail with an IllegalAccessError deep inside the first buffer). Call it first in a
     * {@code @Setup}, before any Agrona or Chronicle class is touched.
     */
    static void check()
    {
        final List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < args.size(); i++)
        {
            final String arg = args.get(i);
            if (arg.startsWith("--add-exports=" + REQUIRED_EXPORT))
            {
                return;
            }
            if (arg.equals("--add-exports") && i + 1 < args.size() && args.get(i + 1).startsWith(REQUIRED_EXPORT))
            {
                return;
            }
        }
        throw new IllegalStateException("the benchmark JVM lacks --add-exports=java.base/jdk.internal.misc=" +
            "ALL-UNNAMED (and Weir's other JVM flags): " + HOW_TO_RUN + " ...; JVM arguments were " + args);
    }
}
