package io.weir.tools.common;

import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.DataflowRunner;
import io.weir.api.dataflow.Job;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code --engine flink}: runs a dataflow on Apache Flink through the flink-adapter module, loaded only when asked
 * (the {@code ./weir} launcher puts it and Flink on the classpath for {@code --engine flink}), so that the CLI jar
 * carries nothing of Flink. An embedded mini-cluster, or a running cluster ({@code --flink-master HOST:PORT}).
 */
public final class FlinkEngine
{
    /** The values of {@code --engine}. */
    public static final List<String> ENGINES = List.of("weir", "flink");
    private static final String RUNNER = "io.weir.flink.FlinkRunner";

    private FlinkEngine()
    {
    }

    /** A Serializable way to build the dataflow again, on a remote cluster's task managers. */
    public interface Factory extends Callable<Dataflow>, Serializable
    {
    }

    /**
     * Flink's state backend for a Weir {@code --backend}: heap (and the default) on Flink's heap, rocksdb in RocksDB.
     *
     * @throws UsageException for a backend Flink does not have.
     */
    public static String backend(final String command, final String weirBackend, final boolean given)
    {
        if (!given || weirBackend.equals("heap") || weirBackend.equals("hashmap"))
        {
            return "hashmap";
        }
        if (weirBackend.equals("rocksdb"))
        {
            return "rocksdb";
        }
        throw new UsageException(command + ": --backend with --engine flink must be heap (hashmap) or rocksdb, not " +
            weirBackend);
    }

    /**
     * Run the dataflow {@code factory} builds on Flink, to its end.
     *
     * @param master null for the embedded mini-cluster.
     * @throws IllegalStateException when the adapter is not on the classpath, with what to do.
     */
    public static void run(
        final Factory factory, final int parallelism, final String backend, final String master) throws Exception
    {
        final Class<?> runnerClass;
        try
        {
            runnerClass = Class.forName(RUNNER);
        }
        catch (final ClassNotFoundException | NoClassDefFoundError ex)
        {
            throw new IllegalStateException("--engine flink needs the Flink adapter, which is not on the classpath: " +
                "run through ./weir (it adds flink-adapter/target/weir-flink-adapter-*.jar and Flink's jars for " +
                "--engine flink; build them with 'mvn -pl flink-adapter -am package -DskipTests')");
        }
        Object runner = runnerClass.getConstructor().newInstance();
        runner = runnerClass.getMethod("parallelism", int.class).invoke(runner, parallelism);
        runner = runnerClass.getMethod("stateBackend", String.class).invoke(runner, backend);
        runner = runnerClass.getMethod("factory", Callable.class).invoke(runner, factory);
        if (master != null)
        {
            final List<String> jars = new ArrayList<>();
            jars.add(jarOf(FlinkEngine.class));
            jars.add(jarOf(runnerClass));
            runner = runnerClass.getMethod("master", String.class, List.class).invoke(runner, master, jars);
        }
        try (Job job = factory.call().build((DataflowRunner)runner))
        {
            job.start();
            job.awaitTermination();
        }
    }

    private static String jarOf(final Class<?> type)
    {
        try
        {
            final Path path = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!path.toString().endsWith(".jar"))
            {
                throw new IllegalStateException("--flink-master ships the job's jars to the cluster, but " +
                    type.getName() + " was loaded from " + path + ", not a jar: build with mvn package");
            }
            return path.toString();
        }
        catch (final java.net.URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
