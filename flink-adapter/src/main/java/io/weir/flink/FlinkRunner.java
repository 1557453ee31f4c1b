package io.weir.flink;

import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.DataflowRunner;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Runs a Weir {@link Dataflow} on Apache Flink, the way {@code WeirContext} runs it on Weir:
 * {@code dataflow.build(new FlinkRunner().parallelism(2).stateBackend("rocksdb")).start()}. By default on an
 * embedded mini-cluster in this JVM; {@link #master} submits to a running cluster instead. Settings on one thread.
 */
public final class FlinkRunner implements DataflowRunner
{
    /** Flink's state backends: on the heap, or in RocksDB. */
    public static final List<String> BACKENDS = List.of("hashmap", "rocksdb");

    /**
     * {@code taskmanager.memory.managed.size}, set as text, which Flink's own option parses: Flink writes a typed
     * {@code MemorySize} into its string form in the default locale's digits (under ar-EG {@code "١٢٨ mb"}), which
     * it then cannot parse.
     */
    static final ConfigOption<String> MANAGED_MEMORY_SIZE =
        ConfigOptions.key(TaskManagerOptions.MANAGED_MEMORY_SIZE.key()).stringType().noDefaultValue();

    private int parallelism = 1;
    private String stateBackend = "hashmap";
    private String masterHost;
    private int masterPort;
    private final List<String> jars = new ArrayList<>();
    private Callable<Dataflow> factory;
    private long checkpointIntervalMs;
    private boolean sharedMiniCluster;
    private Path checkpointDirectory;

    /** Subtasks of every keyed operator (Weir's shards); sources have one per reader. Default 1. */
    public FlinkRunner parallelism(final int parallelism)
    {
        if (parallelism < 1)
        {
            throw new IllegalArgumentException("parallelism must be >= 1: " + parallelism);
        }
        this.parallelism = parallelism;
        return this;
    }

    /** {@code hashmap} (default) or {@code rocksdb}. */
    public FlinkRunner stateBackend(final String stateBackend)
    {
        if (!BACKENDS.contains(stateBackend))
        {
            throw new IllegalArgumentException("Flink state backend '" + stateBackend + "': use one of " + BACKENDS);
        }
        this.stateBackend = stateBackend;
        return this;
    }

    /**
     * Submit to the cluster whose JobManager's REST endpoint is {@code hostPort} ({@code localhost:8081}), shipping
     * {@code jars} (the job's classes, the adapter and Weir), instead of the embedded mini-cluster.
     */
    public FlinkRunner master(final String hostPort, final List<String> jars)
    {
        final int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1)
        {
            throw new IllegalArgumentException("Flink master '" + hostPort + "': expected HOST:PORT");
        }
        try
        {
            masterPort = Integer.parseInt(hostPort.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("Flink master '" + hostPort + "': the port is not a number");
        }
        masterHost = hostPort.substring(0, colon);
        this.jars.clear();
        this.jars.addAll(jars);
        return this;
    }

    /**
     * How a remote cluster's task managers build the dataflow again (its functions and readers are not
     * serializable): a {@link java.io.Serializable} callable that builds the same graph every time.
     */
    public FlinkRunner factory(final Callable<Dataflow> factory)
    {
        if (!(Objects.requireNonNull(factory, "factory") instanceof java.io.Serializable))
        {
            throw new IllegalArgumentException("the dataflow factory must be Serializable: it travels to the " +
                "task managers (a lambda cast to (Callable<Dataflow> & Serializable))");
        }
        this.factory = factory;
        return this;
    }

    /**
     * Run on one embedded mini-cluster shared by every job of this JVM that asks for it (started by the first,
     * 4 slots, stopped with the JVM), instead of a mini-cluster per job: for many short jobs, such as tests.
     */
    public FlinkRunner sharedMiniCluster()
    {
        this.sharedMiniCluster = true;
        return this;
    }

    /** Exactly-once Flink checkpoints every {@code intervalMs} into {@code directory}. */
    public FlinkRunner checkpoints(final Path directory, final long intervalMs)
    {
        this.checkpointDirectory = Objects.requireNonNull(directory, "directory");
        this.checkpointIntervalMs = intervalMs;
        return this;
    }

    public FlinkJob build(final Dataflow dataflow)
    {
        final Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        // Watermarks follow each element (PerElementWatermarks), as in Weir: no periodic emission.
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ZERO);
        // Weir's contract already allows reused instances between chained operators; no copies.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        if (checkpointDirectory != null)
        {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(checkpointIntervalMs));
            conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory.toAbsolutePath().toUri().toString());
        }
        final StreamExecutionEnvironment env;
        if (masterHost == null && sharedMiniCluster)
        {
            if (parallelism > SharedMiniCluster.SLOTS)
            {
                throw new IllegalArgumentException("the shared mini-cluster has " + SharedMiniCluster.SLOTS +
                    " slots: parallelism " + parallelism + " is too high");
            }
            env = StreamExecutionEnvironment.createRemoteEnvironment("localhost", SharedMiniCluster.restPort(), conf);
            env.setParallelism(parallelism);
        }
        else if (masterHost == null)
        {
            conf.set(MANAGED_MEMORY_SIZE, "128m");
            env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        }
        else
        {
            env = StreamExecutionEnvironment.createRemoteEnvironment(masterHost, masterPort, conf,
                jars.toArray(new String[0]));
            env.setParallelism(parallelism);
            if (factory == null)
            {
                throw new IllegalStateException("a job submitted to a remote Flink cluster needs a factory " +
                    "(FlinkRunner.factory) to build its dataflow on the task managers");
            }
        }
        final GraphRef graph = GraphRef.register(dataflow, factory);
        try
        {
            new FlinkTranslator(env, graph, dataflow).translate(dataflow);
        }
        catch (final RuntimeException ex)
        {
            graph.release();
            throw ex;
        }
        return new FlinkJob(dataflow, env, graph, masterHost != null);
    }
}
