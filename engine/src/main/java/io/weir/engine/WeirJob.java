package io.weir.engine;

import io.weir.engine.runtime.AgentGroup;
import io.weir.engine.runtime.DutyCycleInvoker;
import io.weir.engine.runtime.JobStatus;
import io.weir.engine.runtime.OperatorChain;
import io.weir.engine.runtime.RingChannelOutput;
import io.weir.engine.runtime.ShardAgent;
import io.weir.engine.runtime.ShardCheckpointHandler;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.codec.Codec;
import io.weir.api.functions.OutputTag;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.BufferUtil;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.weir.engine.runtime.checkpoint.CheckpointCoordinator;
import io.weir.engine.checkpoint.CheckpointProperties;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.engine.runtime.checkpoint.RestorePlanner;
import io.weir.engine.runtime.ShardRestore;
import io.weir.engine.state.StateIds;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.DirectoryLock;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A wired job: shards, rings, producers, sources and sinks. Built by {@link JobBuilder}; {@link #start()} starts
 * one thread per shard and per source; {@link #awaitTermination} waits for the end of input (or a failure,
 * which it rethrows); {@link #close()} stops everything and frees rings, state and files.
 * <p>
 * Lifecycle methods are called from one application thread. Each producer handle ({@link #producer(int)}) is
 * then used by one thread of the application's choosing.
 */
public final class WeirJob<I, O> implements io.weir.api.dataflow.Job
{
    /** What {@link #close(CloseMode)} does with elements already offered. */
    public enum CloseMode
    {
        /** End the input of every external producer and process everything offered before stopping. */
        DRAIN,
        /** Stop at once; elements in flight are dropped. */
        DISCARD
    }

    private final JobStatus status;
    private final WeirContext context;
    private final List<ByteBuffer> ringMemory = new ArrayList<>();
    private final List<ShardAgent> shards = new ArrayList<>();
    private final List<SourceAgent<?>> sources = new ArrayList<>();
    private final List<Producer<?>> externalProducers = new ArrayList<>();
    /** Every producer, by index. */
    private final List<Producer<?>> producers = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Every sink of the job. */
    private final List<SinkFactory<?>> sinks;
    private final Map<String, List<Producer<?>>> producersBySource = new HashMap<>();
    private final CheckpointCoordinator coordinator;
    private final CheckpointDirectory checkpointDirectory;
    /** Held from before the checkpoint directory is read until {@link #close}; null without checkpoints. */
    private final DirectoryLock checkpointLock;
    private final CheckpointManifest restoredFrom;
    private final JobMetrics metrics;
    /** The duty cycles of sources and shards in INVOKER mode, else null. */
    private final DutyCycleInvoker invoker;
    private org.agrona.concurrent.IdleStrategy invokerIdle;
    private AgentRunner coordinatorRunner;
    private Thread coordinatorThread;
    private volatile Path stoppedWithSavepoint;
    private boolean started;
    private boolean terminated;
    private boolean closed;

    WeirJob(final JobPlan plan, final WeirContext context, final DirectoryLock checkpointLock)
    {
        final String name = plan.name;
        this.checkpointLock = checkpointLock;
        this.status = new JobStatus(name);
        this.metrics = new JobMetrics(name, context);
        this.context = context;
        this.sinks = List.copyOf(plan.sinks);
        final int shardCount = context.shards();
        int producerCount = 0;
        for (final JobPlan.SourcePlan<?> source : plan.sources)
        {
            producerCount += source.producers();
        }
        if (producerCount == 0)
        {
            throw new IllegalArgumentException("job '" + name + "' has no input: add a source or set " +
                "WeirContext.externalProducers(n) to offer elements from the application");
        }
        final AtomicBuffer[][] producerRings = new AtomicBuffer[producerCount][];
        for (int p = 0; p < producerCount; p++)
        {
            producerRings[p] = allocateRings(shardCount);
        }
        final AtomicBuffer[][][] edgeRings = new AtomicBuffer[plan.edges.size()][shardCount][];
        for (int e = 0; e < edgeRings.length; e++)
        {
            for (int from = 0; from < shardCount; from++)
            {
                edgeRings[e][from] = allocateRings(shardCount);
            }
        }
        final List<String> operators = new ArrayList<>();
        final List<String> keyCodecIds = new ArrayList<>();
        final Map<String, String> keyCodecByOperator = new java.util.LinkedHashMap<>();
        for (final JobPlan.StagePlan<?, ?, ?> stage : plan.stages)
        {
            operators.add(operatorOf(stage));
            keyCodecIds.add(stage.keyCodec.id());
            keyCodecByOperator.put(operatorOf(stage), stage.keyCodec.id());
        }
        metrics.operators(operators);
        final CheckpointSettings checkpoints = context.checkpoints();
        if (checkpoints.enabled())
        {
            checkpointDirectory = new CheckpointDirectory(checkpoints.directory());
            // The restore point first: a checkpoint named explicitly but damaged is refused as it is, before the
            // sweep would remove an incomplete one.
            restoredFrom = RestorePlanner.plan(checkpointDirectory, checkpoints, name, keyCodecByOperator,
                context.log()).orElse(null);
            checkpointDirectory.sweep();
            if (restoredFrom != null && restoredFrom.maxParallelism() != context.maxParallelism())
            {
                throw new IllegalArgumentException("checkpoint " + restoredFrom.checkpointId() + " was taken with " +
                    "maxParallelism " + restoredFrom.maxParallelism() + " but the job uses " +
                    context.maxParallelism() + "; key groups cannot be remapped, use the same maxParallelism");
            }
            final long firstId = Math.max(RestorePlanner.nextCheckpointId(checkpointDirectory),
                restoredFrom == null ? 1 : restoredFrom.checkpointId() + 1);
            // In INVOKER mode the shards run on the application's thread, which does no file writing.
            final CheckpointSettings effective = checkpoints.stateWriter() == CheckpointSettings.StateWriter.SHARD &&
                (!context.stateBackend().shardMayReadItsSnapshots() ||
                context.threading() == io.weir.api.ThreadingMode.INVOKER) ?
                checkpoints.stateWriter(CheckpointSettings.StateWriter.CHECKPOINT_THREAD) : checkpoints;
            coordinator = new CheckpointCoordinator(checkpointDirectory, effective, name,
                context.stateBackend().name(), operators, keyCodecIds, context.shards(), producerCount,
                context.maxParallelism(), context.epochClock(), firstId, context.log());
            if (restoredFrom != null)
            {
                coordinator.inheritCommittedParts(restoredFrom);
            }
            prepareSinks(sinks, restoredFrom);
            coordinator.onPartsCommitted(this::onPartsCommitted);
        }
        else
        {
            checkpointDirectory = null;
            restoredFrom = null;
            coordinator = null;
        }
        final ShardCheckpointHandler handler = null == coordinator ? null : coordinator.queues();
        if (handler != null)
        {
            context.stateBackend().prepareForCheckpoints();
        }
        // Per stage, its operator's part of the checkpoint; null for an operator the checkpoint has no state of.
        final ShardRestore[] restores = new ShardRestore[plan.stages.size()];
        for (int st = 0; restoredFrom != null && st < restores.length; st++)
        {
            final CheckpointManifest operatorView = restoredFrom.forOperator(operators.get(st));
            if (operatorView.shards().isEmpty())
            {
                context.log().accept("operator '" + operators.get(st) + "' has no state in " +
                    restoredFrom.kind().label() + " " + restoredFrom.checkpointId() + ": it starts empty");
                continue;
            }
            restores[st] = new ShardRestore(RestorePlanner.directoryOf(restoredFrom, checkpointDirectory,
                checkpoints), operatorView, name, checkpoints.allowNonRestoredState(), context.log());
        }
        final List<KeyedStateStore> stores = new ArrayList<>();
        final List<OperatorChain<?, ?, ?>[]> chainsByShard = new ArrayList<>();
        final StateIds[] stateIds = new StateIds[plan.stages.size()];
        for (int st = 0; st < stateIds.length; st++)
        {
            stateIds[st] = new StateIds();
        }
        try
        {
            for (int s = 0; s < shardCount; s++)
            {
                final OperatorChain<?, ?, ?>[] stages = new OperatorChain<?, ?, ?>[plan.stages.size()];
                final List<Map.Entry<JobPlan.EdgePlan, RingChannelOutput<?>>> edgeOutputs = new ArrayList<>();
                for (int st = 0; st < stages.length; st++)
                {
                    final AtomicBuffer[] channels = stageChannels(plan, st, s, producerRings, edgeRings);
                    final JobPlan.StagePlan<?, ?, ?> stage = plan.stages.get(st);
                    final long entries = stage.expectedEntriesPerShard > 0 ? stage.expectedEntriesPerShard :
                        context.expectedEntriesPerShard();
                    final KeyedStateStore created = null == stage.uid ?
                        context.stateBackend().createStore(s, entries) :
                        context.stateBackend().createStore(stage.uid, s, entries);
                    final KeyedStateStore store =
                        context.hotKeyCache() ? new io.weir.state.spi.HotKeyCache(created) : created;
                    stores.add(store);
                    final String stageName = null == stage.uid ? "shard " + s : "operator '" + stage.uid +
                        "' shard " + s;
                    stages[st] = newStage(stage, stageName, st * shardCount + s, s, shardCount, channels, context,
                        store, handler, stateIds[st], edgeRings, channelInputs(plan, st, shardCount), edgeOutputs);
                    if (restores[st] != null)
                    {
                        stages[st].restoreOnStart(restores[st]);
                    }
                }
                // A record for this thread's instance of the next stage skips the ring.
                for (final Map.Entry<JobPlan.EdgePlan, RingChannelOutput<?>> edgeOutput : edgeOutputs)
                {
                    final JobPlan.EdgePlan edge = edgeOutput.getKey();
                    final OperatorChain<?, ?, ?> downstream = stages[edge.toStage];
                    final int selfChannel = downstream.input().channelOf(edgeRings[edge.index][s][s]);
                    edgeOutput.getValue().local(s, downstream, selfChannel);
                }
                chainsByShard.add(stages);
                final AtomicBuffer[] shardProducerRings = new AtomicBuffer[producerCount];
                for (int p = 0; p < producerCount; p++)
                {
                    shardProducerRings[p] = producerRings[p][s];
                }
                shards.add(new ShardAgent(s, status, context.epochClock(), stages, shardProducerRings));
            }
            status.shardsToOpen(shards.size());
        }
        catch (final RuntimeException ex)
        {
            for (final KeyedStateStore store : stores)
            {
                store.close();
            }
            throw ex;
        }
        int p = 0;
        final int[] sourceChannels = new int[plan.stages.size()];
        // Each source plan's agents, one per reader, that the plans of its other routes add their producers to.
        final Map<JobPlan.SourcePlan<?>, List<SourceAgent<?>>> agentsByPlan = new java.util.IdentityHashMap<>();
        for (final JobPlan.SourcePlan<?> source : plan.sources)
        {
            final int first = p;
            p = addProducers(source, p, producerRings, agentsByPlan);
            final long idleTimeoutMs = source.watermarkStrategy.idleTimeoutMs();
            for (int i = 0; i < p - first; i++, sourceChannels[source.stage]++)
            {
                for (int s = 0; s < shardCount && idleTimeoutMs > 0; s++)
                {
                    // a stage's channels start with its producers', in the order of stageChannels
                    chainsByShard.get(s)[source.stage].idleTimeout(
                        sourceChannels[source.stage], producers.get(first + i)::elementsOffered, idleTimeoutMs);
                }
            }
        }
        if (context.threading() == io.weir.api.ThreadingMode.INVOKER)
        {
            // Sources before shards: an element read in a cycle is processed in the same cycle.
            final List<org.agrona.concurrent.Agent> agents = new ArrayList<>(sources);
            agents.addAll(shards);
            invoker = new DutyCycleInvoker(new AgentGroup("weir-invoker", agents, this::onAgentError));
            for (final Producer<?> producer : externalProducers)
            {
                producer.invoker(invoker);
            }
        }
        else
        {
            invoker = null;
        }
    }

    @SuppressWarnings("unchecked")
    private <S> int addProducers(final JobPlan.SourcePlan<S> source, final int firstProducer,
        final AtomicBuffer[][] producerRings, final Map<JobPlan.SourcePlan<?>, List<SourceAgent<?>>> agentsByPlan)
    {
        int p = firstProducer;
        final List<Producer<?>> external = new ArrayList<>();
        for (int i = 0; i < source.producers(); i++, p++)
        {
            final Producer<S> producer = new Producer<>(p, status, producerRings[p], source.codec,
                source.keyEncoder, source.timestampAssigner, source.watermarkStrategy, context,
                context.sourceIdleStrategy().get(), source.transform);
            metrics.addProducer(producer);
            producers.add(producer);
            if (i < source.readers.size())
            {
                final SourceAgent<S> agent;
                final int route;
                if (null == source.readersOf)
                {
                    agent = new SourceAgent<>(source.readers.get(i), producer, status, context.readBatchLimit(),
                        coordinator);
                    route = 0;
                    agentsByPlan.computeIfAbsent(source, plan -> new ArrayList<>()).add(agent);
                    sources.add(agent);
                }
                else
                {
                    agent = (SourceAgent<S>)agentsByPlan.get(source.readersOf).get(i);
                    route = agent.addRoute(producer);
                }
                if (restoredFrom != null)
                {
                    final Path manifestPath = io.weir.engine.runtime.snapshot.RestoreCompatibility.checkpointPath(
                        RestorePlanner.directoryOf(restoredFrom, checkpointDirectory, context.checkpoints()),
                        restoredFrom).resolve(io.weir.snapshot.ManifestDescriptor.MANIFEST_FILE_NAME);
                    restoreSource(agent, route, p, producerRings.length, restoredFrom, manifestPath);
                }
            }
            else
            {
                if (coordinator != null)
                {
                    producer.injectBarriersOnOffer(coordinator);
                }
                externalProducers.add(producer);
                external.add(producer);
            }
        }
        if (!external.isEmpty())
        {
            producersBySource.put(source.name, external);
        }
        return p;
    }

    /** The uid naming a stage's state and checkpoint files; empty for the only stage of a job without uids. */
    private static String operatorOf(final JobPlan.StagePlan<?, ?, ?> stage)
    {
        return null == stage.uid ? "" : stage.uid;
    }

    private static AtomicBuffer[] allocateRings(final int count, final WeirContext context, final List<ByteBuffer> memory)
    {
        final AtomicBuffer[] rings = new AtomicBuffer[count];
        for (int i = 0; i < count; i++)
        {
            // Plain allocateDirect (malloc-aligned, >= 16 bytes) so that close() can free it; aligned slices cannot
            // be freed.
            final ByteBuffer buffer = ByteBuffer.allocateDirect(context.ringBufferLength());
            memory.add(buffer);
            rings[i] = new UnsafeBuffer(buffer);
        }
        return rings;
    }

    private AtomicBuffer[] allocateRings(final int count)
    {
        return allocateRings(count, context, ringMemory);
    }

    /** The input (0 or 1) of each channel of stage {@code st}, in the order of {@link #stageChannels}. */
    private static int[] channelInputs(final JobPlan plan, final int st, final int shardCount)
    {
        final List<Integer> inputs = new ArrayList<>();
        for (final JobPlan.SourcePlan<?> source : plan.sources)
        {
            for (int i = 0; i < source.producers(); i++)
            {
                if (source.stage == st)
                {
                    inputs.add(source.input);
                }
            }
        }
        for (final JobPlan.EdgePlan edge : plan.edges)
        {
            if (edge.toStage == st)
            {
                for (int from = 0; from < shardCount; from++)
                {
                    inputs.add(edge.toInput);
                }
            }
        }
        return inputs.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Stage {@code st}'s channels on shard {@code s}: its producers', then each input edge's upstream instances. */
    private static AtomicBuffer[] stageChannels(final JobPlan plan, final int st, final int s,
        final AtomicBuffer[][] producerRings, final AtomicBuffer[][][] edgeRings)
    {
        final List<AtomicBuffer> channels = new ArrayList<>();
        int p = 0;
        for (final JobPlan.SourcePlan<?> source : plan.sources)
        {
            for (int i = 0; i < source.producers(); i++, p++)
            {
                if (source.stage == st)
                {
                    channels.add(producerRings[p][s]);
                }
            }
        }
        for (int e = 0; e < plan.edges.size(); e++)
        {
            if (plan.edges.get(e).toStage == st)
            {
                for (final AtomicBuffer[] fromInstance : edgeRings[e])
                {
                    channels.add(fromInstance[s]);
                }
            }
        }
        if (channels.isEmpty())
        {
            throw new IllegalArgumentException("job '" + plan.name + "': stage " + st + " has no input");
        }
        return channels.toArray(new AtomicBuffer[0]);
    }

    private <K, I, O> OperatorChain<K, I, O> newStage(
        final JobPlan.StagePlan<K, I, O> stage,
        final String stageName,
        final int slot,
        final int s,
        final int shardCount,
        final AtomicBuffer[] channels,
        final WeirContext context,
        final KeyedStateStore store,
        final ShardCheckpointHandler handler,
        final StateIds stateIds,
        final AtomicBuffer[][][] edgeRings,
        final int[] channelInputs,
        final List<Map.Entry<JobPlan.EdgePlan, RingChannelOutput<?>>> edgeOutputs)
    {
        final List<RingChannelOutput<?>> outputs = new ArrayList<>();
        final JobPlan.Wiring wiring = new JobPlan.Wiring()
        {
            public <X> io.weir.api.connector.SinkWriter<X> sinkWriter(final SinkFactory<X> sink, final int shardId)
            {
                return metrics.countOutput(shardId, sink.createWriter(shardId, shardCount));
            }

            public <X> RingChannelOutput<X> channel(final JobPlan.EdgePlan edge, final int shardId)
            {
                final RingChannelOutput<X> output = new RingChannelOutput<>(stageName, edgeRings[edge.index][shardId],
                    edge.codec, edge.keyEncoder, context.maxParallelism(), context.maxKeyLength());
                outputs.add(output);
                edgeOutputs.add(Map.entry(edge, output));
                return output;
            }
        };
        final OperatorChain<K, I, O> chain = new OperatorChain<>(stageName, slot, s, shardCount, channels,
            channelInputs, context.chainSettings(), stage.inputCodec, stage.secondInputCodec, stage.keyCodec, stage.functionFactory.get(), store, stage.output.create(s, wiring),
            handler, stateIds);
        for (final RingChannelOutput<?> output : outputs)
        {
            output.timestamps(chain);
        }
        return chain;
    }

    /** The job's name. */
    public String name()
    {
        return status.jobName();
    }

    /** The settings the job was built with. */
    public WeirContext context()
    {
        return context;
    }

    /**
     * Start the job's threads, as its {@link io.weir.api.ThreadingMode} says: one per shard and per source
     * (DEDICATED), one for all shards and one per source (SHARED), or none but the checkpoint thread (INVOKER: the
     * sources and shards are opened here, on the calling thread, and run by {@link #invoker()}). The shards open
     * (restore, warm up) on their threads; no shard steps and no source reads until every shard has opened.
     */
    public WeirJob<I, O> start()
    {
        if (started)
        {
            throw new IllegalStateException("job '" + name() + "' already started");
        }
        metrics.open(shards, coordinator, restoredFrom != null);
        started = true;
        final ErrorHandler errorHandler = this::onAgentError;
        switch (context.threading())
        {
            case DEDICATED:
                for (final ShardAgent shard : shards)
                {
                    startAgent(context.shardIdleStrategy().get(), errorHandler, shard);
                }
                break;
            case SHARED:
                startAgent(context.shardIdleStrategy().get(), errorHandler,
                    new AgentGroup("weir-shards", shards, errorHandler));
                break;
            case INVOKER:
                try
                {
                    invoker.start();
                }
                catch (final RuntimeException | Error ex)
                {
                    // A shard that cannot open (a damaged restore, a function's open) fails the job here, so that
                    // close() does not wait for a drain that can never come.
                    status.fail(ex);
                    throw ex;
                }
                break;
            default:
                throw new IllegalStateException("unknown threading mode " + context.threading());
        }
        for (int i = 0; null == invoker && i < sources.size(); i++)
        {
            final SourceAgent<?> source = sources.get(i);
            startAgent(context.sourceIdleStrategy().get(), errorHandler, source);
        }
        if (coordinator != null)
        {
            coordinatorRunner = new AgentRunner(new org.agrona.concurrent.SleepingMillisIdleStrategy(1),
                errorHandler, null, ThreadScheduling.lowered(coordinator, context.log()));
            coordinatorThread = AgentRunner.startOnThread(coordinatorRunner);
        }
        return this;
    }

    private void startAgent(final org.agrona.concurrent.IdleStrategy idle, final ErrorHandler errorHandler,
        final org.agrona.concurrent.Agent agent)
    {
        final AgentRunner runner = new AgentRunner(idle, errorHandler, null, agent);
        runners.add(runner);
        threads.add(AgentRunner.startOnThread(runner));
    }

    /**
     * The invoker that runs this job's sources and shards on the calling thread, in INVOKER mode. The application
     * calls {@link DutyCycleInvoker#invoke()} in its loop (after offering, and when idle: timers and checkpoints
     * progress only while it invokes); {@link #awaitTermination} and {@link #close} invoke it themselves, so that
     * a file job needs no loop of its own.
     *
     * @throws IllegalStateException if the job was built with threads of its own.
     */
    @Override
    public io.weir.api.dataflow.JobInvoker invoker()
    {
        if (null == invoker)
        {
            throw new IllegalStateException("job '" + name() + "' runs with threading " + context.threading() +
                ": it has no invoker; build it with WeirContext.threading(ThreadingMode.INVOKER)");
        }
        return invoker;
    }

    /**
     * The handle of external producer {@code index} (0-based, fewer than {@code externalProducers}). Give each
     * to one thread.
     */
    @SuppressWarnings("unchecked")
    public Producer<I> producer(final int index)
    {
        if (index < 0 || index >= externalProducers.size())
        {
            throw new IllegalArgumentException("producer " + index + " does not exist: the job has " +
                externalProducers.size() + " external producers (WeirContext.externalProducers)");
        }
        return (Producer<I>)externalProducers.get(index);
    }

    /**
     * The handle of producer {@code index} (from 0) of the application source {@code source}. Give each to one
     * thread.
     */
    @SuppressWarnings("unchecked")
    public <T> Producer<T> producer(final String source, final int index)
    {
        final List<Producer<?>> producers = producersBySource.get(source);
        if (null == producers)
        {
            throw new IllegalArgumentException("job '" + name() + "' has no application source '" + source +
                "'; its application sources are " + producersBySource.keySet());
        }
        if (index < 0 || index >= producers.size())
        {
            throw new IllegalArgumentException("producer " + index + " of source '" + source + "' does not " +
                "exist: it has " + producers.size() + " producers");
        }
        return (Producer<T>)producers.get(index);
    }

    /** True once every shard has opened its function and loaded any restored state; any thread. */
    public boolean isReady()
    {
        return status.shardsOpen();
    }

    /** Shards, for metrics and tests; not part of what applications see. */
    List<ShardAgent> shards()
    {
        return shards;
    }

    /** Elements processed by all shards so far; any thread. */
    public long eventsProcessed()
    {
        long total = 0;
        for (final ShardAgent shard : shards)
        {
            total += shard.eventsProcessed();
        }
        return total;
    }

    /** True if the job has failed; any thread. */
    public boolean hasFailed()
    {
        return status.failure() != null;
    }

    /**
     * Wait until every shard has finished its input (or the job failed).
     *
     * @throws JobFailedException with the first failure as its cause.
     */
    public void awaitTermination() throws InterruptedException
    {
        if (!awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS))
        {
            throw new IllegalStateException("unreachable: unbounded wait returned early");
        }
    }

    /**
     * @return false if the timeout passed first.
     * @throws JobFailedException with the first failure as its cause.
     */
    public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        checkStarted();
        final long timeoutNs = unit.toNanos(timeout);
        final long startNs = System.nanoTime();
        if (null != invoker && !invokeUntilDone(timeoutNs, startNs))
        {
            return false;
        }
        for (final Thread thread : threads)
        {
            if (timeoutNs == Long.MAX_VALUE)
            {
                thread.join();
                continue;
            }
            final long remainingNs = timeoutNs - (System.nanoTime() - startNs);
            if (remainingNs <= 0 && thread.isAlive())
            {
                return false;
            }
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, remainingNs));
            if (thread.isAlive())
            {
                return false;
            }
        }
        onTerminated();
        JobFailedException.checkNotFailed(status);
        return true;
    }

    /** INVOKER mode: run the duty cycles on this thread until they end; false if the timeout passed first. */
    private boolean invokeUntilDone(final long timeoutNs, final long startNs) throws InterruptedException
    {
        final org.agrona.concurrent.IdleStrategy idle = invokerIdle();
        while (!invoker.isDone())
        {
            if (timeoutNs != Long.MAX_VALUE && System.nanoTime() - startNs >= timeoutNs)
            {
                return false;
            }
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            idle.idle(invoker.invoke());
        }
        return true;
    }

    /** The shards' idle strategy, for the waits that invoke; one instance, made on first use. */
    private org.agrona.concurrent.IdleStrategy invokerIdle()
    {
        if (null == invokerIdle)
        {
            invokerIdle = context.shardIdleStrategy().get();
        }
        return invokerIdle;
    }

    /** {@link #close(CloseMode)} with {@link CloseMode#DRAIN}. */
    public void close()
    {
        close(CloseMode.DRAIN);
    }

    /**
     * Stop the job and release its threads, rings, state stores and files. Call it after the application's
     * producer threads have stopped offering. With {@link CloseMode#DRAIN} it ends every external producer's
     * input and waits for the shards to finish. A failure of the job is rethrown as {@link JobFailedException}.
     * <p>
     * Returns only once every job thread has ended, even if the calling thread is interrupted (the interrupt is
     * kept for the caller): state stores are freed after the threads that use them stopped. A stopping savepoint
     * whose snapshot points were all taken is completed before the checkpoint thread stops. Any thread; a second
     * caller waits for the first.
     */
    public synchronized void close(final CloseMode mode)
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            if (started && mode == CloseMode.DRAIN && !status.isAborting())
            {
                for (final Producer<?> producer : externalProducers)
                {
                    if (!producer.isEnded())
                    {
                        producer.endOfInput();
                    }
                }
                try
                {
                    awaitTermination();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    status.abort();
                }
            }
        }
        finally
        {
            // Shards and sources stop at their next duty cycle when the job aborts. Closing an AgentRunner whose
            // thread is still running would interrupt that thread if this one is interrupted (an interrupted
            // FileChannel closes itself) and, in other Agrona versions, return before it ended: join first.
            status.abort();
            if (null != invoker)
            {
                invoker.close();
            }
            joinUninterruptibly(threads);
            for (final AgentRunner runner : runners)
            {
                runner.close();
            }
            if (!started)
            {
                for (final ShardAgent shard : shards)
                {
                    shard.onClose();
                }
                if (coordinator != null)
                {
                    coordinator.onClose();
                }
            }
            onTerminated();
            stopCoordinator();
            for (final ShardAgent shard : shards)
            {
                shard.closeStore();
            }
            for (final ByteBuffer memory : ringMemory)
            {
                BufferUtil.free(memory);
            }
            ringMemory.clear();
            metrics.close();
            if (checkpointLock != null)
            {
                checkpointLock.close();
            }
        }
        JobFailedException.checkNotFailed(status);
    }

    /** Stop the checkpoint thread and wait for it: it may be reading a store's snapshot until it ends. */
    private void stopCoordinator()
    {
        if (coordinatorRunner != null)
        {
            coordinator.requestStop();
            joinUninterruptibly(List.of(coordinatorThread));
            coordinatorRunner.close();
        }
    }

    private static void joinUninterruptibly(final List<Thread> threads)
    {
        boolean interrupted = false;
        for (final Thread thread : threads)
        {
            while (thread.isAlive())
            {
                try
                {
                    thread.join();
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void onTerminated()
    {
        if (terminated)
        {
            return;
        }
        terminated = true;
        boolean succeeded = status.failure() == null;
        for (final ShardAgent shard : shards)
        {
            succeeded &= shard.isFinished();
        }
        try
        {
            if (succeeded)
            {
                if (coordinatorRunner != null)
                {
                    stopCoordinator();
                }
                for (int i = 0; i < sinks.size(); i++)
                {
                    sinks.get(i).onJobSucceeded();
                    CrashPoints.published(i);
                }
                if (coordinatorRunner != null)
                {
                    // Only once the output is published: a crash before the marker resumes from a checkpoint.
                    RestorePlanner.markFinished(checkpointDirectory, name());
                    CrashPoints.finished();
                    sinks.forEach(WeirJob::onFinishRecorded);
                }
            }
            else
            {
                for (final SinkFactory<?> sink : sinks)
                {
                    sink.onJobFailed();
                }
            }
        }
        catch (final RuntimeException ex)
        {
            status.fail(ex);
        }
    }

    /** Checkpoint thread: the part positions a completed checkpoint committed, for the sinks that act on them. */
    private void onPartsCommitted(final List<io.weir.api.connector.TransactionalSinkWriter.PartPosition> parts)
    {
        for (final SinkFactory<?> sink : sinks)
        {
            if (sink instanceof TransactionalSinkFactory)
            {
                ((TransactionalSinkFactory<?>)sink).onPartsCommitted(parts);
            }
        }
    }

    private static void onFinishRecorded(final SinkFactory<?> sink)
    {
        if (sink instanceof TransactionalSinkFactory)
        {
            ((TransactionalSinkFactory<?>)sink).onFinishRecorded();
        }
    }

    /** Request a checkpoint now (it starts when none is in flight). Any thread. */
    public CompletableFuture<CheckpointStats> triggerCheckpoint()
    {
        return checkpointCoordinator().triggerCheckpoint();
    }

    /**
     * Take a savepoint and stop: sources stop after its barrier, shards after taking their snapshot point, and
     * the output after the savepoint is not published. Restore it with {@link CheckpointSettings#restoreFrom}.
     * The savepoint is complete (its manifest written) when this returns, also when another thread closes the
     * job meanwhile; the job is closed then. In INVOKER mode the calling thread runs the duty cycles meanwhile.
     *
     * @return the savepoint's directory.
     * @throws java.util.concurrent.ExecutionException if the savepoint was abandoned (the cause says why); the job
     *                                                 is not closed then.
     */
    public Path stopWithSavepoint(final long timeout, final TimeUnit unit)
        throws InterruptedException, java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException
    {
        checkStarted();
        final CompletableFuture<CheckpointStats> future = checkpointCoordinator().triggerSavepoint(true);
        if (null != invoker)
        {
            // The snapshot points are taken by the duty cycles this thread runs.
            final long deadlineNs = System.nanoTime() + unit.toNanos(timeout);
            final org.agrona.concurrent.IdleStrategy idle = invokerIdle();
            while (!future.isDone() && !invoker.isDone() && System.nanoTime() - deadlineNs < 0)
            {
                idle.idle(invoker.invoke());
            }
        }
        final CheckpointStats stats = future.get(Math.max(0, timeout), unit);
        final Path savepoint = checkpointDirectory.savepointDirectory(stats.checkpointId());
        stoppedWithSavepoint = savepoint;
        close(CloseMode.DISCARD);
        return savepoint;
    }

    /** The savepoint this job stopped with ({@link #stopWithSavepoint}), if it did; any thread. */
    public Optional<Path> stoppedWithSavepoint()
    {
        return Optional.ofNullable(stoppedWithSavepoint);
    }

    /** Checkpoints and savepoints completed by this run, oldest first. Any thread. */
    public List<CheckpointStats> completedCheckpoints()
    {
        return coordinator == null ? List.of() : coordinator.completed();
    }

    /** The checkpoint or savepoint this run restored, if any. */
    public Optional<CheckpointManifest> restoredFrom()
    {
        return Optional.ofNullable(restoredFrom);
    }

    /**
     * Bytes held by every shard's state store (off-heap or on disk). Any thread; approximate: the latest writes of
     * hot keys may still be in the stores' caches ({@link WeirContext#hotKeyCache}).
     */
    public long stateSizeBytes()
    {
        long total = 0;
        for (final ShardAgent shard : shards)
        {
            total += shard.stateSizeBytes();
        }
        return total;
    }

    /** The sources' agents; for tests that step the agents by hand. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    List<SourceAgent<I>> sources()
    {
        return (List)sources;
    }

    /** The checkpoint coordinator, or null without checkpoints; for tests that step the agents by hand. */
    CheckpointCoordinator coordinator()
    {
        return coordinator;
    }

    private CheckpointCoordinator checkpointCoordinator()
    {
        if (coordinator == null)
        {
            throw new IllegalStateException("job '" + name() + "' has no checkpoint directory: set " +
                "WeirContext.checkpoints(CheckpointSettings.every(dir, intervalMs))");
        }
        return coordinator;
    }

    private static void prepareSinks(final List<SinkFactory<?>> sinks, final CheckpointManifest restoredFrom)
    {
        final Map<String, Long> committed = new HashMap<>();
        if (restoredFrom != null)
        {
            for (final Map.Entry<String, String> property : restoredFrom.properties().entrySet())
            {
                if (property.getKey().startsWith(CheckpointProperties.SINK_PART_PREFIX))
                {
                    committed.put(property.getKey().substring(CheckpointProperties.SINK_PART_PREFIX.length()),
                        Long.parseLong(property.getValue()));
                }
            }
        }
        for (final SinkFactory<?> sink : sinks)
        {
            if (sink instanceof TransactionalSinkFactory)
            {
                final TransactionalSinkFactory<?> transactional = (TransactionalSinkFactory<?>)sink;
                if (restoredFrom == null)
                {
                    transactional.startFresh();
                }
                else
                {
                    transactional.restore(committed);
                }
            }
        }
    }

    /**
     * Resume a source where the checkpoint recorded it. A position the input does not have, or a manifest without
     * the producer's watermark state, fails with one line naming the manifest: either the input changed since the
     * checkpoint or the manifest is damaged (its checksum can be right when it was crafted).
     */
    private void restoreSource(
        final SourceAgent<?> source, final int route, final int producerIndex, final int producerCount,
        final CheckpointManifest manifest, final Path manifestPath)
    {
        if (producerCount != manifest.sources().size())
        {
            // Producers are numbered in source and branch order: with another number of them, positions would
            // go to the wrong sources.
            throw new IllegalArgumentException("checkpoint " + manifest.checkpointId() + " records " +
                manifest.sources().size() + " source producers but the job has " + producerCount + "; restore " +
                "with the same sources, and the same branches from each source into keyed operators");
        }
        final CheckpointManifest.SourcePosition position = manifest.sources().get(producerIndex);
        final String prefix = CheckpointProperties.PRODUCER_PREFIX + producerIndex;
        final long maxTimestamp = longProperty(manifest, manifestPath, prefix + ".maxTimestamp");
        final long watermark = longProperty(manifest, manifestPath, prefix + ".watermark");
        try
        {
            source.restore(route, position.position(), position.line(), maxTimestamp, watermark);
        }
        catch (final Exception ex)
        {
            throw new io.weir.snapshot.SnapshotCorruptException(manifestPath + ": cannot resume source " +
                position.sourceName() + " at byte " + position.position() + ", line " + position.line() + ": " +
                ex.getMessage() + " (the input changed since the checkpoint, or the manifest is damaged)", ex);
        }
    }

    private static long longProperty(final CheckpointManifest manifest, final Path manifestPath, final String name)
    {
        final String value = manifest.properties().get(name);
        try
        {
            return Long.parseLong(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new io.weir.snapshot.SnapshotCorruptException(manifestPath + ": property " + name +
                (null == value ? " is missing" : " is not a number: '" + value + "'"), ex);
        }
    }

    private void onAgentError(final Throwable throwable)
    {
        if (throwable instanceof AgentTerminationException)
        {
            if (throwable.getCause() != null)
            {
                status.fail(throwable.getCause());
            }
            return;
        }
        status.fail(throwable);
    }

    private void checkStarted()
    {
        if (!started)
        {
            throw new IllegalStateException("job '" + name() + "' has not been started");
        }
    }
}
