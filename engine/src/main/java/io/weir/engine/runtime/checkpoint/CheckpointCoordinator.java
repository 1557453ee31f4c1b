package io.weir.engine.runtime.checkpoint;

import io.weir.engine.runtime.snapshot.RestoreCompatibility;
import io.weir.engine.runtime.snapshot.WriterPacer;
import io.weir.engine.checkpoint.CheckpointProperties;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.engine.runtime.snapshot.ShardSnapshotPoint;
import io.weir.engine.runtime.snapshot.ShardStateWriter;
import io.weir.engine.runtime.snapshot.SourceBarrierAck;
import io.weir.engine.runtime.snapshot.StateFileEntryWriter;
import io.weir.engine.runtime.snapshot.TimerRecordDescriptor;
import io.weir.engine.runtime.RecordDescriptor;
import io.weir.engine.runtime.CheckpointQueues;
import io.weir.api.connector.TransactionalSinkWriter;
import io.weir.engine.counters.CheckpointCounters;
import io.weir.engine.state.RegisteredState;
import io.weir.engine.state.StateLayoutDescriptor;
import io.weir.engine.state.TtlSnapshotFilter;
import io.weir.snapshot.BroadcastStateDescriptor;
import io.weir.snapshot.ChainResolver;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.SnapshotFileBuffers;
import io.weir.snapshot.SnapshotFileDescriptor;
import io.weir.snapshot.SnapshotFileKind;
import io.weir.snapshot.SnapshotFileResult;
import io.weir.snapshot.SnapshotFileWriter;
import io.weir.snapshot.SnapshotHeader;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * Takes checkpoints: triggers them on an interval or on request, receives each shard's synchronous snapshot
 * point, has the state (full or delta) files written, writes the timer files, fsyncs the sinks' part files,
 * and completes the checkpoint by writing its manifest atomically. Runs as its own agent on the checkpoint
 * thread. A state file is written either here, or by the shard itself between events
 * ({@link CheckpointSettings.StateWriter}, {@link ShardStateWriter}): then this thread opens the file, hands it
 * to the shard, and finishes (fsyncs, publishes) it when the shard hands it back.
 * <p>
 * A producer whose input ended takes part in no more barriers: checkpoints record it at its end, as aligned, so
 * they go on completing while other producers run. A failure on this thread fails the job once: the checkpoint
 * in flight is abandoned with the cause and the agent stops.
 * <p>
 * Threads: {@link #onSourceBarrier}/{@link #onProducerEnded}/{@link #barrierRequest} on source and producer
 * threads, {@link #triggerCheckpoint}/{@link #triggerSavepoint}/{@link #requestStop} on any thread; everything
 * else on the checkpoint thread. None of its code runs on a shard thread: operator instances and this thread talk
 * through bounded queues ({@link CheckpointQueues}), which instances drain in their duty cycles; a command refused
 * by a full queue is sent again on the next cycle. Producers hand over through lock-free queues and one volatile
 * request word.
 */
public final class CheckpointCoordinator implements Agent
{
    /**
     * The write(2) size of a shard writing its own state file: the shard's step waits for it, and 16 KiB into
     * the page cache take a few microseconds (the checkpoint thread's default, 256 KiB, takes 50-100).
     */
    static final int SHARD_STAGING_BYTES = 16 * 1024;

    private final CheckpointDirectory directory;
    private final CheckpointSettings settings;
    private final String jobName;
    private final String backendName;
    /** Per operator, the codec id of its keys. */
    private final String[] keyCodecIds;
    /** The operators with keyed state, by uid; the empty uid for the only operator of a job without uids. */
    private final String[] operators;
    private final int shards;
    /**
     * Operator instances: one snapshot point, state file and chain per (operator, shard), at slot
     * {@code operator * shards + shard}.
     */
    private final int slots;
    private final int producers;
    private final int maxParallelism;
    private final EpochClock clock;
    private final Consumer<String> log;
    private Consumer<List<TransactionalSinkWriter.PartPosition>> partsListener;
    /**
     * Per producer, its latest barrier ack not yet taken. One slot a producer, not a queue: a producer injects the
     * barrier of checkpoint N+1 only once it is requested, after checkpoint N completed (its acks taken) or was
     * abandoned (an ack of it left in the slot is stale, and overwriting it loses nothing). Offering to a linked
     * queue cost the producing thread 20-60 us a barrier (perf/README.md, 2026-12-04 pause section).
     */
    private final AtomicReferenceArray<SourceBarrierAck> sourceAcks;
    private final ManyToOneConcurrentLinkedQueue<Request> requests = new ManyToOneConcurrentLinkedQueue<>();
    private final List<CheckpointStats> completed = new CopyOnWriteArrayList<>();
    private final List<List<CheckpointManifest.FileRef>> chains = new ArrayList<>();
    /** Per slot: the checkpoint id of the newest file in its chain, the parent of its next delta. */
    private final long[] chainHeadIds;
    private final ExpandableDirectByteBuffer timerKey = new ExpandableDirectByteBuffer(256);
    private final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
    private final WriterPacer pacer;
    /** Per shard, when shards write their state files; else null. */
    private final ShardStateWriter[] stateWriters;
    /** The queues to and from the operator instances. */
    private final CheckpointQueues queues;
    /**
     * Per slot when shards write their state files: commands its full command queue refused, sent again, in order,
     * on the next cycles; else null.
     */
    private final ArrayDeque<ShardStateWriter.Task>[] unsentCommands;
    /** Each shard's state-file buffers, reused from one checkpoint to the next; null unless shards write files. */
    private final SnapshotFileBuffers[] shardFileBuffers;
    /** The buffers of the state files this thread writes itself, one at a time. */
    private final SnapshotFileBuffers threadFileBuffers = new SnapshotFileBuffers(
        SnapshotFileDescriptor.DEFAULT_BLOCK_SIZE_BYTES, SnapshotFileWriter.STAGING_CAPACITY_BYTES);

    /** {@code checkpointId << 8 | flags} of the barrier producers should inject next; 0 when none. */
    private volatile long barrierRequest;
    /** Per producer: where its input ended (its final position and watermark state), once it has. */
    private final AtomicReferenceArray<SourceBarrierAck> endedProducers;
    /** Set by the job to stop this agent: it finishes a stopping savepoint it can still complete, then stops. */
    private volatile boolean stopRequested;
    /** This thread failed: the job fails with the cause, and nothing more is attempted. */
    private boolean failed;
    /** Scratch of {@link #drain}: the producers seen ended without an ack of the checkpoint in flight. */
    private final boolean[] endedSeen;

    private final java.util.Map<String, String> inheritedSinkParts = new java.util.TreeMap<>();
    private long nextCheckpointId;
    private long nextTriggerMs;
    private boolean needsFull = true;
    /**
     * Per slot: its chain was due for a new base ({@link CheckpointSettings#isChainDue}) at the last checkpoint and
     * waits for its merge, which starts once the merge in progress is done.
     */
    private final boolean[] compactionDue;
    /**
     * Whether chains at the bound are merged from files here, or end in a full snapshot the shards write. Merging
     * reads every file of the chain, more bytes than the store holds: it is worth it only where the shard must not
     * scan its store (the checkpoint thread writes the files, as in INVOKER mode); where the shards write their own
     * files a scan costs less CPU, and CPU is what a 2-core machine lacks.
     */
    private final boolean mergesChains;
    private int compactionsDue;
    /** Per operator, the states of the last completed checkpoint: their TTLs filter what a compaction keeps. */
    private final List<RegisteredState>[] compactionStates;
    /** The per-key-group map chain compaction resolves into, kept from one chain to the next. */
    private final ChainResolver.Scratch compactionScratch = new ChainResolver.Scratch();
    /** The buffers of the base a merge writes, held from its first step to its last; null unless chains merge. */
    private final SnapshotFileBuffers compactionFileBuffers;
    /** The merge in progress, stepped between checkpoints; null when none is. */
    private ChainCompaction compaction;
    private InFlight inFlight;
    /** Null when the job publishes no counters. */
    private CheckpointCounters counters;

    private record Request(int flags, CompletableFuture<CheckpointStats> future)
    {
    }

    /** A checkpoint between trigger and manifest. Checkpoint thread only. */
    private final class InFlight
    {
        final long checkpointId;
        final int flags;
        final CompletableFuture<CheckpointStats> future;
        final CheckpointManifest.ShardState[] shardStates = new CheckpointManifest.ShardState[slots];
        final ShardSnapshotPoint[] points = new ShardSnapshotPoint[slots];
        final CheckpointManifest.FileRef[] timersRefs = new CheckpointManifest.FileRef[slots];
        /** Per operator, its broadcast state file; null for operators without broadcast state. */
        final CheckpointManifest.FileRef[] broadcastRefs = new CheckpointManifest.FileRef[operators.length];
        /** Per operator, the broadcast states in its file. */
        @SuppressWarnings("unchecked")
        final List<io.weir.api.state.MapStateDescriptor<?, ?>>[] broadcastStates = new List[operators.length];
        final SourceBarrierAck[] acks = new SourceBarrierAck[producers];
        final long[] pausesNs = new long[slots];
        /** Per slot, the state file written: a savepoint's become the base of the checkpoints' chains. */
        final CheckpointManifest.FileRef[] stateRefs = new CheckpointManifest.FileRef[slots];
        final List<TransactionalSinkWriter.PartPosition> parts = new ArrayList<>();
        /** Per operator, the union of its instances' states. */
        @SuppressWarnings("unchecked")
        final List<RegisteredState>[] states = new List[operators.length];
        boolean pointSeen;
        long firstPointNs;
        long bytesWritten;
        long entries;
        long sleepsAtStart;
        long sleptNsAtStart;
        int shardsDone;
        int sourcesDone;
        /** Producers that injected the barrier (the others had ended): none means no shard can align. */
        int barriersInjected;

        InFlight(final long checkpointId, final int flags, final CompletableFuture<CheckpointStats> future)
        {
            this.checkpointId = checkpointId;
            this.flags = flags;
            this.future = future;
            java.util.Arrays.fill(states, List.of());
        }

        boolean isSavepoint()
        {
            return (flags & RecordDescriptor.BARRIER_FLAG_SAVEPOINT) != 0;
        }

        boolean isFull()
        {
            return (flags & RecordDescriptor.BARRIER_FLAG_FULL) != 0;
        }

        boolean isStop()
        {
            return (flags & RecordDescriptor.BARRIER_FLAG_STOP) != 0;
        }
    }

    /** A coordinator for a job of one keyed operator, without uid. */
    public CheckpointCoordinator(
        final CheckpointDirectory directory,
        final CheckpointSettings settings,
        final String jobName,
        final String backendName,
        final String keyCodecId,
        final int shards,
        final int producers,
        final int maxParallelism,
        final EpochClock clock,
        final long firstCheckpointId,
        final Consumer<String> log)
    {
        this(directory, settings, jobName, backendName, List.of(""), List.of(keyCodecId), shards, producers,
            maxParallelism, clock, firstCheckpointId, log);
    }

    /**
     * @param operators   the uids of the job's keyed operators, in stage order.
     * @param keyCodecIds the codec id of each operator's keys.
     */
    public CheckpointCoordinator(
        final CheckpointDirectory directory,
        final CheckpointSettings settings,
        final String jobName,
        final String backendName,
        final List<String> operators,
        final List<String> keyCodecIds,
        final int shards,
        final int producers,
        final int maxParallelism,
        final EpochClock clock,
        final long firstCheckpointId,
        final Consumer<String> log)
    {
        this.directory = directory;
        this.settings = settings;
        this.jobName = jobName;
        this.backendName = backendName;
        this.operators = operators.toArray(new String[0]);
        this.keyCodecIds = keyCodecIds.toArray(new String[0]);
        this.shards = shards;
        this.slots = this.operators.length * shards;
        this.producers = producers;
        this.maxParallelism = maxParallelism;
        this.clock = clock;
        this.log = log;
        this.nextCheckpointId = firstCheckpointId;
        this.pacer = new WriterPacer(
            SystemNanoClock.INSTANCE, TimeUnit.MICROSECONDS.toNanos(settings.writerSliceMicros()));
        this.endedProducers = new AtomicReferenceArray<>(producers);
        this.sourceAcks = new AtomicReferenceArray<>(producers);
        for (int i = 0; i < producers; i++)
        {
            // Links the slot's accessor here, not in a producer's first barrier: its first call cost 230-250 us.
            sourceAcks.setRelease(i, null);
        }
        this.endedSeen = new boolean[producers];
        this.chainHeadIds = new long[slots];
        this.compactionDue = new boolean[slots];
        @SuppressWarnings("unchecked")
        final List<RegisteredState>[] states = new List[this.operators.length];
        Arrays.fill(states, List.of());
        this.compactionStates = states;
        final boolean shardsWriteFiles = settings.stateWriter() == CheckpointSettings.StateWriter.SHARD;
        this.mergesChains = !shardsWriteFiles;
        this.compactionFileBuffers = mergesChains ? new SnapshotFileBuffers(
            SnapshotFileDescriptor.DEFAULT_BLOCK_SIZE_BYTES, SnapshotFileWriter.STAGING_CAPACITY_BYTES) : null;
        this.queues = new CheckpointQueues(slots, shardsWriteFiles, idleOnlyNs(settings.intervalMs()),
            ShardStateWriter.COMMAND_QUEUE_CAPACITY);
        if (shardsWriteFiles)
        {
            stateWriters = new ShardStateWriter[slots];
            shardFileBuffers = new SnapshotFileBuffers[slots];
            @SuppressWarnings("unchecked")
            final ArrayDeque<ShardStateWriter.Task>[] unsent = new ArrayDeque[slots];
            unsentCommands = unsent;
            for (int i = 0; i < slots; i++)
            {
                stateWriters[i] = queues.stateWriter(i);
                shardFileBuffers[i] = new SnapshotFileBuffers(
                    SnapshotFileDescriptor.DEFAULT_BLOCK_SIZE_BYTES, SHARD_STAGING_BYTES);
                unsentCommands[i] = new ArrayDeque<>();
            }
        }
        else
        {
            stateWriters = null;
            shardFileBuffers = null;
            unsentCommands = null;
        }
        for (int i = 0; i < slots; i++)
        {
            chains.add(new ArrayList<>());
        }
        loadSnapshotPointClasses();
    }

    /**
     * Load and initialize, before any shard runs, the classes a shard's snapshot point is the first to use:
     * loaded there, inside the pause, they made most of the first checkpoint's pause (75-195 us, against 6-25 us
     * for the next ones; {@code -Xlog:class+load} showed them loading at the first checkpoint).
     */
    private static void loadSnapshotPointClasses()
    {
        final Class<?>[] classes = {ShardSnapshotPoint.class, SourceBarrierAck.class, InFlight.class,
            CheckpointManifest.FileRef.class, CheckpointManifest.ShardState.class};
        for (final Class<?> type : classes)
        {
            try
            {
                Class.forName(type.getName(), true, type.getClassLoader());
            }
            catch (final ClassNotFoundException ex)
            {
                throw new IllegalStateException("cannot load " + type.getName() + ", a class of Weir itself", ex);
            }
        }
    }

    /**
     * Part files committed by earlier runs are final: every checkpoint of this run records them again, so a later
     * restore keeps them. Called before the job starts.
     */
    public void inheritCommittedParts(final CheckpointManifest restored)
    {
        for (final java.util.Map.Entry<String, String> property : restored.properties().entrySet())
        {
            if (property.getKey().startsWith(CheckpointProperties.SINK_PART_PREFIX))
            {
                inheritedSinkParts.put(property.getKey(), property.getValue());
            }
        }
    }

    /**
     * Hand {@code listener}, on this coordinator's thread, the sink part positions each completed checkpoint or
     * savepoint committed, once its manifest is written; called before the job starts.
     */
    public void onPartsCommitted(final Consumer<List<TransactionalSinkWriter.PartPosition>> listener)
    {
        this.partsListener = listener;
    }

    /** Publish completed and failed checkpoints in {@code counters}; called before the job starts. */
    public void counters(final CheckpointCounters counters)
    {
        this.counters = counters;
    }

    public String roleName()
    {
        return "weir-checkpoint";
    }

    public void onStart()
    {
        nextTriggerMs = clock.time() + settings.intervalMs();
    }

    /** The barrier producers should inject next, {@code id << 8 | flags}, or 0. Any thread (a volatile read). */
    public long barrierRequest()
    {
        return barrierRequest;
    }

    /**
     * A producer's input ended, at {@code finalPosition} (its {@code checkpointId} is ignored): every checkpoint
     * whose barrier it did not inject records it there, as aligned, and a restore resumes it at its end. Called
     * once, by the producer's thread, after any ack of a barrier it injected and before its end of input reaches
     * the shards.
     */
    public void onProducerEnded(final SourceBarrierAck finalPosition)
    {
        endedProducers.set(finalPosition.producerIndex(), finalPosition);
    }

    private boolean allProducersEnded()
    {
        for (int i = 0; i < producers; i++)
        {
            if (endedProducers.get(i) == null)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Stop this agent at its next duty cycle. A stopping savepoint whose snapshot points have all arrived is
     * completed first, in {@link #onClose}, so that a job closed while its savepoint is being written keeps it.
     * Any thread.
     */
    public void requestStop()
    {
        stopRequested = true;
    }

    /** Request a checkpoint as soon as none is in flight. Any thread. */
    public CompletableFuture<CheckpointStats> triggerCheckpoint()
    {
        final CompletableFuture<CheckpointStats> future = new CompletableFuture<>();
        requests.offer(new Request(0, future));
        return future;
    }

    /** Request a savepoint (full, self-contained); with {@code stop}, sources stop after its barrier. Any thread. */
    public CompletableFuture<CheckpointStats> triggerSavepoint(final boolean stop)
    {
        final CompletableFuture<CheckpointStats> future = new CompletableFuture<>();
        requests.offer(new Request(RecordDescriptor.BARRIER_FLAG_SAVEPOINT | RecordDescriptor.BARRIER_FLAG_FULL |
            (stop ? RecordDescriptor.BARRIER_FLAG_STOP : 0), future));
        return future;
    }

    /** Checkpoints completed by this run, oldest first. Any thread. */
    public List<CheckpointStats> completed()
    {
        return completed;
    }

    /**
     * How long a shard writes its state file only while idle: half the checkpoint interval, so that a shard that
     * is never idle still completes a checkpoint about once per interval; on-request checkpoints (interval 0)
     * are written under load from the start.
     */
    static long idleOnlyNs(final long intervalMs)
    {
        return TimeUnit.MILLISECONDS.toNanos(intervalMs) / 2;
    }

    /**
     * The queues operator instances take part in checkpoints through: given to every instance when the job is
     * wired, before any thread starts.
     */
    public CheckpointQueues queues()
    {
        return queues;
    }

    private boolean writtenByShard(final int flags)
    {
        return queues.writtenByShard(flags);
    }

    /** Producer thread: it injected barrier {@code ack.checkpointId()} after the recorded position. */
    public void onSourceBarrier(final SourceBarrierAck ack)
    {
        sourceAcks.setRelease(ack.producerIndex(), ack);
    }

    /**
     * One duty cycle. An exception here fails the job: the checkpoint in flight is abandoned with it as the cause,
     * and the agent stops ({@link AgentTerminationException} carrying the cause), so nothing is retried.
     */
    public int doWork()
    {
        if (stopRequested)
        {
            throw new AgentTerminationException();
        }
        try
        {
            return duty();
        }
        catch (final Throwable ex)
        {
            onFailure(ex);
            throw new AgentTerminationException(ex);
        }
    }

    private int duty()
    {
        int work = 0;
        if (inFlight == null)
        {
            if (allProducersEnded())
            {
                work += refuseRequests("the input of every producer ended");
            }
            else
            {
                final Request request = requests.poll();
                if (request != null)
                {
                    trigger(request.flags(), request.future());
                    work++;
                }
                else if (settings.intervalMs() > 0 && clock.time() >= nextTriggerMs)
                {
                    nextTriggerMs = clock.time() + settings.intervalMs();
                    trigger(0, null);
                    work++;
                }
            }
            if (inFlight == null && compaction != null)
            {
                stepCompaction();
                work++;
            }
        }
        work += drain();
        if (inFlight != null)
        {
            if (inFlight.shardsDone == slots && inFlight.sourcesDone == producers)
            {
                complete();
                work++;
            }
            else if (inFlight.sourcesDone == producers && inFlight.barriersInjected == 0)
            {
                abort("the input of every producer ended before barrier " + inFlight.checkpointId + " was injected");
                work++;
            }
        }
        return work;
    }

    /** Take in what other threads handed over: snapshot points, barrier acks, ended inputs, written files. */
    private int drain()
    {
        int work = sendUnsentCommands();
        for (int slot = 0; slot < slots; slot++)
        {
            Object event;
            while ((event = queues.pollEvent(slot)) != null)
            {
                if (event instanceof ShardSnapshotPoint)
                {
                    onShardPoint((ShardSnapshotPoint)event);
                }
                else
                {
                    onStateWritten((ShardStateWriter.Task)event);
                }
                work++;
            }
        }
        // Which inputs had ended is read before the acks: a producer acks before it ends, so an ack of the checkpoint
        // in flight is taken before its final position could stand in for it.
        final InFlight checkpoint = inFlight;
        boolean anyEnded = false;
        if (checkpoint != null && checkpoint.sourcesDone < producers)
        {
            for (int i = 0; i < producers; i++)
            {
                endedSeen[i] = checkpoint.acks[i] == null && endedProducers.get(i) != null;
                anyEnded |= endedSeen[i];
            }
        }
        for (int i = 0; i < producers; i++)
        {
            if (null != sourceAcks.getAcquire(i)) // read first: no write to the producers' line while empty
            {
                final SourceBarrierAck ack = sourceAcks.getAndSet(i, null);
                if (null != ack)
                {
                    onAck(ack);
                    work++;
                }
            }
        }
        if (anyEnded)
        {
            for (int i = 0; i < producers; i++)
            {
                if (endedSeen[i] && checkpoint.acks[i] == null)
                {
                    final SourceBarrierAck end = endedProducers.get(i);
                    checkpoint.acks[i] = new SourceBarrierAck(checkpoint.checkpointId, i, end.sourceName(),
                        end.position(), end.line(), end.maxTimestamp(), end.watermark());
                    checkpoint.sourcesDone++;
                    work++;
                }
            }
        }
        return work;
    }

    /** Commands a full command queue refused earlier: each slot's in order, as far as its queue takes them. */
    private int sendUnsentCommands()
    {
        int sent = 0;
        for (int slot = 0; null != unsentCommands && slot < slots; slot++)
        {
            final ArrayDeque<ShardStateWriter.Task> unsent = unsentCommands[slot];
            while (!unsent.isEmpty() && stateWriters[slot].handOver(unsent.peekFirst()))
            {
                unsent.pollFirst();
                sent++;
            }
        }
        return sent;
    }

    /** Queue a command to the slot's shard; one its full queue refuses is sent on a later cycle, in order. */
    private void send(final int slot, final ShardStateWriter.Task command)
    {
        final ArrayDeque<ShardStateWriter.Task> unsent = unsentCommands[slot];
        if (!unsent.isEmpty() || !stateWriters[slot].handOver(command))
        {
            unsent.addLast(command);
        }
    }

    private int refuseRequests(final String reason)
    {
        int refused = 0;
        Request request;
        while ((request = requests.poll()) != null)
        {
            request.future().completeExceptionally(new IllegalStateException(
                "job '" + jobName + "': no checkpoint can be taken: " + reason));
            refused++;
        }
        return refused;
    }

    private void onFailure(final Throwable cause)
    {
        failed = true;
        final String reason = "the checkpoint thread failed: " + cause;
        if (inFlight != null)
        {
            abort(reason, cause);
        }
        refuseRequests(reason);
    }

    public void onClose()
    {
        if (!failed && inFlight != null && inFlight.isStop())
        {
            // The shards stopped at the savepoint's barrier: what they handed over is all there will be.
            try
            {
                drain();
                if (inFlight != null && inFlight.shardsDone == slots && inFlight.sourcesDone == producers)
                {
                    complete();
                }
            }
            catch (final Throwable ex)
            {
                onFailure(ex);
                throw ex;
            }
        }
        if (inFlight != null)
        {
            abort("the job stopped before it was complete");
        }
        cancelCompactions();
        for (int slot = 0; slot < slots; slot++)
        {
            Object event;
            while ((event = queues.pollEvent(slot)) != null)
            {
                if (event instanceof ShardSnapshotPoint)
                {
                    ((ShardSnapshotPoint)event).storeSnapshot().release();
                }
                else
                {
                    ((ShardStateWriter.Task)event).discard();
                }
            }
        }
        if (null != stateWriters)
        {
            // The shards stopped first: a file handed over after a shard stopped is still waiting here.
            for (int slot = 0; slot < slots; slot++)
            {
                stateWriters[slot].reclaim();
                ShardStateWriter.Task unsent;
                while ((unsent = unsentCommands[slot].pollFirst()) != null)
                {
                    unsent.discard();
                }
            }
        }
        Request request;
        while ((request = requests.poll()) != null)
        {
            request.future().completeExceptionally(new IllegalStateException("job '" + jobName + "' stopped"));
        }
    }

    private void trigger(final int requestFlags, final CompletableFuture<CheckpointStats> future)
    {
        int flags = requestFlags;
        if (needsFull || chainsNeedFullSnapshot())
        {
            flags |= RecordDescriptor.BARRIER_FLAG_FULL;
        }
        if ((flags & RecordDescriptor.BARRIER_FLAG_FULL) != 0)
        {
            // Every chain starts again from this checkpoint's files: a merge of the old ones is of no use.
            cancelCompactions();
        }
        final long checkpointId = nextCheckpointId++;
        inFlight = new InFlight(checkpointId, flags, future);
        inFlight.sleepsAtStart = pacer.sleeps();
        inFlight.sleptNsAtStart = pacer.sleptNs();
        barrierRequest = checkpointId << 8 | flags;
    }

    /**
     * Where chains are merged, only a chain that outgrew {@link CheckpointSettings#chainLengthLimit} (its merges
     * fail, or fall behind) ends in a full snapshot; where the shards write their files, every chain that is due.
     */
    private boolean chainsNeedFullSnapshot()
    {
        for (int slot = 0; slot < slots; slot++)
        {
            final List<CheckpointManifest.FileRef> chain = chains.get(slot);
            if (mergesChains ? chain.size() >= settings.chainLengthLimit() : isChainDue(chain))
            {
                return true;
            }
        }
        return false;
    }

    private boolean isChainDue(final List<CheckpointManifest.FileRef> chain)
    {
        if (chain.size() < 2)
        {
            return false;
        }
        long deltaBytes = 0;
        for (int i = 1; i < chain.size(); i++)
        {
            deltaBytes += chain.get(i).sizeBytes();
        }
        return settings.isChainDue(chain.size(), chain.get(0).sizeBytes(), deltaBytes);
    }

    private void onAck(final SourceBarrierAck ack)
    {
        if (inFlight == null || ack.checkpointId() != inFlight.checkpointId)
        {
            return;
        }
        if (inFlight.acks[ack.producerIndex()] == null)
        {
            inFlight.acks[ack.producerIndex()] = ack;
            inFlight.sourcesDone++;
            inFlight.barriersInjected++;
        }
    }

    private void onShardPoint(final ShardSnapshotPoint point)
    {
        final boolean byShard = writtenByShard(point.flags());
        if (inFlight == null || point.checkpointId() != inFlight.checkpointId)
        {
            point.storeSnapshot().release();
            if (byShard)
            {
                send(point.slot(), new ShardStateWriter.Task(point.checkpointId(), point.slot(), null, null));
            }
            return;
        }
        final InFlight checkpoint = inFlight;
        if (!checkpoint.pointSeen)
        {
            checkpoint.pointSeen = true;
            checkpoint.firstPointNs = System.nanoTime();
        }
        // Every shard's states: a state registered lazily may be on some shards only (same id everywhere).
        final int operator = point.slot() / shards;
        checkpoint.states[operator] = RegisteredState.union(checkpoint.states[operator], point.states());
        checkpoint.pausesNs[point.slot()] = point.pauseNs();
        checkpoint.points[point.slot()] = point;
        final long nowMs = clock.time();
        final boolean savepoint = checkpoint.isSavepoint();
        final boolean full = checkpoint.isFull();
        final SnapshotFileKind kind = full ? SnapshotFileKind.FULL : SnapshotFileKind.DELTA;
        final Path statePath = savepoint ?
            directory.allocateSavepointFile(operators[operator], point.shardId(), point.checkpointId()) :
            directory.allocateDataFile(operators[operator], point.shardId(), point.checkpointId(), kind);
        final SnapshotHeader header = full ?
            SnapshotHeader.full(backendName, point.shardId(), point.firstKeyGroup(), point.lastKeyGroup(),
                maxParallelism, point.checkpointId(), nowMs) :
            SnapshotHeader.delta(backendName, point.shardId(), point.firstKeyGroup(), point.lastKeyGroup(),
                maxParallelism, point.checkpointId(), chainHeadIds[point.slot()], nowMs);

        if (point.timerCount() > 0)
        {
            final Path timersPath = directory.dataDirectory(
                savepoint ? CheckpointKind.SAVEPOINT : CheckpointKind.CHECKPOINT, point.checkpointId())
                .resolve(CheckpointDirectory.fileNamePrefix(operators[operator]) + "shard-" + point.shardId() +
                    "-chk-" + point.checkpointId() + ".timers");
            final SnapshotFileResult timersFile = writeTimers(timersPath, point, nowMs);
            checkpoint.timersRefs[point.slot()] = new CheckpointManifest.FileRef(
                timersPath.getFileName().toString(), timersFile.sizeBytes(), SnapshotFileKind.FULL);
            checkpoint.bytesWritten += timersFile.sizeBytes();
        }
        if (null != point.broadcastState())
        {
            final Path broadcastPath = directory.dataDirectory(
                savepoint ? CheckpointKind.SAVEPOINT : CheckpointKind.CHECKPOINT, point.checkpointId())
                .resolve(BroadcastStateDescriptor.fileName(operators[operator], point.checkpointId()));
            final SnapshotFileResult broadcastFile = writeBroadcastState(broadcastPath, point, nowMs);
            checkpoint.broadcastRefs[operator] = new CheckpointManifest.FileRef(
                broadcastPath.getFileName().toString(), broadcastFile.sizeBytes(), SnapshotFileKind.FULL);
            checkpoint.broadcastStates[operator] = point.broadcastStates();
            checkpoint.bytesWritten += broadcastFile.sizeBytes();
        }
        for (final TransactionalSinkWriter.PartPosition part : point.sinkParts())
        {
            fsync(part.path());
            checkpoint.parts.add(part);
        }

        final TtlSnapshotFilter ttlFilter = TtlSnapshotFilter.of(point.states(), nowMs);
        if (byShard)
        {
            final SnapshotFileBuffers buffers = shardFileBuffers[point.slot()];
            final SnapshotFileWriter file;
            if (buffers.isClaimed())
            {
                // The shard's previous file is still held (a discard on its way back): this one gets its own.
                file = SnapshotFileWriter.open(
                    statePath, header, SnapshotFileDescriptor.DEFAULT_BLOCK_SIZE_BYTES, SHARD_STAGING_BYTES);
                file.allocateBlockBuffers();
            }
            else
            {
                // The shard adds entries to it: every buffer it needs is allocated by now.
                file = SnapshotFileWriter.open(statePath, header, buffers);
            }
            send(point.slot(), new ShardStateWriter.Task(point.checkpointId(), point.slot(), point.storeSnapshot(),
                new StateFileEntryWriter(file, ttlFilter, full, null)));
        }
        else
        {
            final SnapshotFileResult stateFile;
            try (SnapshotFileWriter file = SnapshotFileWriter.open(statePath, header, threadFileBuffers))
            {
                pacer.startSlice();
                point.storeSnapshot().forEach(new StateFileEntryWriter(file, ttlFilter, full, pacer));
                stateFile = file.finish();
            }
            finally
            {
                point.storeSnapshot().release();
            }
            onStateFile(checkpoint, point.slot(), stateFile);
        }
    }

    /** A shard handed back the state file it wrote: publish it, unless its checkpoint was abandoned since. */
    private void onStateWritten(final ShardStateWriter.Task task)
    {
        if (inFlight == null || task.checkpointId != inFlight.checkpointId)
        {
            task.discard();
            return;
        }
        final SnapshotFileWriter file = task.entries.file();
        final SnapshotFileResult stateFile;
        try
        {
            stateFile = file.finish();
        }
        finally
        {
            file.close();
        }
        onStateFile(inFlight, task.shardId, stateFile);
    }

    /** The instance's state file is published: record it in its chain, and the instance's part is done. */
    private void onStateFile(final InFlight checkpoint, final int slot, final SnapshotFileResult stateFile)
    {
        final ShardSnapshotPoint point = checkpoint.points[slot];
        final boolean savepoint = checkpoint.isSavepoint();
        final List<CheckpointManifest.FileRef> chain = savepoint ? new ArrayList<>() : chains.get(slot);
        final SnapshotFileKind kind = checkpoint.isFull() ? SnapshotFileKind.FULL : SnapshotFileKind.DELTA;
        if (checkpoint.isFull())
        {
            chain.clear();
        }
        final CheckpointManifest.FileRef stateRef = new CheckpointManifest.FileRef(
            stateFile.path().getFileName().toString(), stateFile.sizeBytes(), kind);
        chain.add(stateRef);
        checkpoint.stateRefs[slot] = stateRef;
        if (!savepoint)
        {
            chainHeadIds[slot] = point.checkpointId();
        }
        checkpoint.bytesWritten += stateFile.sizeBytes();
        checkpoint.entries += stateFile.entryCount();
        checkpoint.shardStates[slot] = new CheckpointManifest.ShardState(point.shardId(),
            point.firstKeyGroup(), point.lastKeyGroup(), List.copyOf(chain), point.watermark(), point.timerCount(),
            checkpoint.timersRefs[slot], operators[slot / shards]);
        checkpoint.shardsDone++;
    }

    private SnapshotFileResult writeTimers(final Path path, final ShardSnapshotPoint point, final long nowMs)
    {
        final SnapshotHeader header = SnapshotHeader.full(backendName, point.shardId(), point.firstKeyGroup(),
            point.lastKeyGroup(), maxParallelism, point.checkpointId(), nowMs);
        final DirectBuffer timers = point.timers();
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, header, threadFileBuffers))
        {
            pacer.startSlice();
            int offset = 0;
            while (offset < point.timersLength())
            {
                pacer.onEntry();
                final byte domain = timers.getByte(offset + TimerRecordDescriptor.DOMAIN_OFFSET);
                final int keyGroup = timers.getInt(offset + TimerRecordDescriptor.KEY_GROUP_OFFSET);
                final long timestamp = timers.getLong(offset + TimerRecordDescriptor.TIMESTAMP_OFFSET);
                final long namespace = timers.getLong(offset + TimerRecordDescriptor.NAMESPACE_OFFSET);
                final int keyLength = timers.getInt(offset + TimerRecordDescriptor.KEY_LENGTH_OFFSET);
                timerKey.putShort(StateKeyDescriptor.KEY_GROUP_OFFSET, (short)keyGroup, ByteOrder.BIG_ENDIAN);
                timerKey.putShort(StateKeyDescriptor.STATE_ID_OFFSET, (short)TimerRecordDescriptor.TIMERS_STATE_ID,
                    ByteOrder.BIG_ENDIAN);
                timerKey.putShort(StateKeyDescriptor.KEY_LENGTH_OFFSET, (short)keyLength, ByteOrder.BIG_ENDIAN);
                timerKey.putBytes(StateKeyDescriptor.KEY_OFFSET, timers, offset + TimerRecordDescriptor.KEY_OFFSET,
                    keyLength);
                final int suffix = StateKeyDescriptor.KEY_OFFSET + keyLength;
                timerKey.putByte(suffix, domain);
                timerKey.putLong(suffix + 1, timestamp, ByteOrder.BIG_ENDIAN);
                timerKey.putLong(suffix + 9, namespace, ByteOrder.BIG_ENDIAN);
                writer.put(keyGroup, timerKey, 0, suffix + TimerRecordDescriptor.FILE_SUFFIX_LENGTH, empty, 0, 0);
                offset += TimerRecordDescriptor.KEY_OFFSET + keyLength;
            }
            return writer.finish();
        }
    }

    /** Instance 0's broadcast state, as {@link BroadcastStateDescriptor} lays it out. */
    private SnapshotFileResult writeBroadcastState(final Path path, final ShardSnapshotPoint point, final long nowMs)
    {
        if (savepointDirectoryMissing(path))
        {
            createDirectories(path.getParent());
        }
        final SnapshotHeader header = SnapshotHeader.full(backendName, 0, BroadcastStateDescriptor.KEY_GROUP,
            BroadcastStateDescriptor.KEY_GROUP, maxParallelism, point.checkpointId(), nowMs);
        final DirectBuffer entries = point.broadcastState();
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, header, threadFileBuffers))
        {
            int offset = 0;
            while (offset < point.broadcastStateLength())
            {
                final int keyLength = entries.getInt(offset);
                final int keyOffset = offset + Integer.BYTES;
                final int valueLength = entries.getInt(keyOffset + keyLength);
                final int valueOffset = keyOffset + keyLength + Integer.BYTES;
                writer.put(BroadcastStateDescriptor.KEY_GROUP, entries, keyOffset, keyLength, entries, valueOffset,
                    valueLength);
                offset = valueOffset + valueLength;
            }
            return writer.finish();
        }
    }

    private static boolean savepointDirectoryMissing(final Path path)
    {
        return !java.nio.file.Files.isDirectory(path.getParent());
    }

    private static void createDirectories(final Path directory)
    {
        try
        {
            java.nio.file.Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + directory + ": " + ex.getMessage(), ex);
        }
    }

    private static void fsync(final Path path)
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot fsync sink part file " + path + ": " + ex.getMessage(), ex);
        }
    }

    private void complete()
    {
        final InFlight checkpoint = inFlight;
        final CheckpointManifest.Builder builder = CheckpointManifest.builder()
            .checkpointId(checkpoint.checkpointId)
            .kind(checkpoint.isSavepoint() ? CheckpointKind.SAVEPOINT : CheckpointKind.CHECKPOINT)
            .creationTimeMs(clock.time())
            .maxParallelism(maxParallelism)
            .backendName(backendName)
            .property(RestoreCompatibility.JOB_PROPERTY, jobName)
            .property(RestoreCompatibility.LAYOUT_PROPERTY, Integer.toString(StateLayoutDescriptor.LAYOUT_VERSION));
        for (final CheckpointManifest.ShardState shard : checkpoint.shardStates)
        {
            builder.addShard(shard);
        }
        for (int operator = 0; operator < operators.length; operator++)
        {
            if (null != checkpoint.broadcastRefs[operator])
            {
                builder.addBroadcast(
                    new CheckpointManifest.BroadcastFile(operators[operator], checkpoint.broadcastRefs[operator]));
                for (final io.weir.api.state.MapStateDescriptor<?, ?> state : checkpoint.broadcastStates[operator])
                {
                    final String prefix = CheckpointManifest.operatorPropertyPrefix(operators[operator]) +
                        CheckpointManifest.BROADCAST_PROPERTY_PREFIX + state.name();
                    builder.property(prefix + CheckpointManifest.BROADCAST_USER_KEY_CODEC_SUFFIX,
                        state.userKeyCodecId());
                    builder.property(prefix + CheckpointManifest.BROADCAST_VALUE_CODEC_SUFFIX, state.valueCodecId());
                }
            }
        }
        for (final SourceBarrierAck ack : checkpoint.acks)
        {
            builder.addSource(ack.sourceName(), ack.position(), ack.line());
            builder.property(SourceBarrierAck.class.getSimpleName() + "." + ack.producerIndex() + ".maxTimestamp",
                Long.toString(ack.maxTimestamp()));
            builder.property(SourceBarrierAck.class.getSimpleName() + "." + ack.producerIndex() + ".watermark",
                Long.toString(ack.watermark()));
        }
        for (int operator = 0; operator < operators.length; operator++)
        {
            for (final RegisteredState state : checkpoint.states[operator])
            {
                builder.addState(new CheckpointManifest.StateDescriptor(state.id(), state.name(),
                    state.kind().name(), keyCodecIds[operator], state.valueCodecId(), state.userKeyCodecId(),
                    state.ttlMs(), operators[operator]));
                builder.property(CheckpointManifest.operatorPropertyPrefix(operators[operator]) +
                    RestoreCompatibility.namespacedProperty(state.name()), Boolean.toString(state.namespaced()));
            }
        }
        for (final java.util.Map.Entry<String, String> inherited : inheritedSinkParts.entrySet())
        {
            builder.property(inherited.getKey(), inherited.getValue());
        }
        for (final TransactionalSinkWriter.PartPosition part : checkpoint.parts)
        {
            builder.property(CheckpointProperties.SINK_PART_PREFIX + part.partName(), Long.toString(part.lengthBytes()));
        }
        directory.writeManifest(builder.build());
        if (!checkpoint.isSavepoint())
        {
            needsFull = false;
            directory.retain(settings.retainedCheckpoints(),
                null == compaction ? Set.of() : Set.of(compaction.targetName()));
            scheduleCompactions(checkpoint);
        }
        else if (!checkpoint.isStop())
        {
            rebaseChains(checkpoint);
        }
        final CheckpointStats stats = new CheckpointStats(checkpoint.checkpointId, checkpoint.isSavepoint(),
            checkpoint.isFull(), checkpoint.pausesNs, System.nanoTime() - checkpoint.firstPointNs,
            checkpoint.bytesWritten, checkpoint.entries, clock.time(), pacer.sleeps() - checkpoint.sleepsAtStart,
            pacer.sleptNs() - checkpoint.sleptNsAtStart);
        completed.add(stats);
        if (null != counters)
        {
            counters.onCompleted(stats.checkpointId(), stats.asyncNs(), stats.maxPauseNs(), stats.bytesWritten());
        }
        inFlight = null;
        barrierRequest = 0;
        if (checkpoint.future != null)
        {
            checkpoint.future.complete(stats);
        }
        if (null != partsListener && !checkpoint.parts.isEmpty())
        {
            partsListener.accept(checkpoint.parts);
        }
    }

    /**
     * The savepoint's full snapshot points reset the stores' change tracking: the next delta holds the changes since
     * the savepoint, not since the last checkpoint. So its state files become the base of every shard's chain:
     * linked (or copied) into the shared directory as the full file of this id, the parent of the next deltas.
     */
    private void rebaseChains(final InFlight savepoint)
    {
        cancelCompactions();
        final Path[] bases = new Path[slots];
        try
        {
            for (int shardId = 0; shardId < slots; shardId++)
            {
                final Path source = directory.savepointDirectory(savepoint.checkpointId)
                    .resolve(savepoint.stateRefs[shardId].name());
                bases[shardId] = directory.allocateDataFile(operators[shardId / shards], shardId % shards,
                    savepoint.checkpointId, SnapshotFileKind.FULL);
                Files.deleteIfExists(bases[shardId]);
                try
                {
                    Files.createLink(bases[shardId], source);
                }
                catch (final IOException | UnsupportedOperationException ex)
                {
                    Files.copy(source, bases[shardId]);
                    fsync(bases[shardId]);
                }
            }
            forceDirectory(directory.sharedDirectory());
        }
        catch (final IOException ex)
        {
            needsFull = true;
            for (final List<CheckpointManifest.FileRef> chain : chains)
            {
                chain.clear();
            }
            log.accept("savepoint " + savepoint.checkpointId + " is complete, but its state files could not be " +
                "linked into " + directory.sharedDirectory() + " (" + ex + "): the next checkpoint is a full one");
            return;
        }
        for (int shardId = 0; shardId < slots; shardId++)
        {
            final List<CheckpointManifest.FileRef> chain = chains.get(shardId);
            chain.clear();
            chain.add(new CheckpointManifest.FileRef(bases[shardId].getFileName().toString(),
                savepoint.stateRefs[shardId].sizeBytes(), SnapshotFileKind.FULL));
            chainHeadIds[shardId] = savepoint.checkpointId;
        }
        needsFull = false;
    }

    /**
     * Where this thread writes the state files, the chains the checkpoint left due for a new base
     * ({@link CheckpointSettings#isChainDue}) are merged from their files, one at a time, a key group per duty cycle
     * between checkpoints: the shards go on taking deltas and checkpoints go on completing, and only this thread
     * reads files to build the new bases. A full snapshot, which scans every shard's store, is then taken only where
     * no chain can be built on: the first checkpoint of a run (also after a restore, into any shard count), the
     * first after an abandoned checkpoint or a failed merge, and savepoints. Where the shards write their files, a
     * chain that is due ends in a full snapshot.
     */
    private void scheduleCompactions(final InFlight checkpoint)
    {
        if (!mergesChains)
        {
            return;
        }
        System.arraycopy(checkpoint.states, 0, compactionStates, 0, operators.length);
        for (int slot = 0; slot < slots; slot++)
        {
            final boolean merging = null != compaction && compaction.slot() == slot;
            if (!merging && !compactionDue[slot] && isChainDue(chains.get(slot)))
            {
                compactionDue[slot] = true;
                compactionsDue++;
            }
        }
        startNextCompaction();
    }

    private void cancelCompactions()
    {
        Arrays.fill(compactionDue, false);
        compactionsDue = 0;
        if (null != compaction)
        {
            final ChainCompaction cancelled = compaction;
            compaction = null;
            cancelled.close();
        }
    }

    /**
     * Opens the merge of the next due chain, unless one is in progress. Its base gets the checkpoint id of the
     * chain's head, the parent the next delta names. The manifests written meanwhile name the old chain's files,
     * which retention keeps while they do (and it keeps the new base's file while it is written); the new base is
     * named by a manifest only from the next checkpoint after it is published and fsynced. A crash before then
     * leaves it an orphan that the next sweep or retention deletes. A chain that cannot be merged stays as it is,
     * and the next checkpoint is a full one.
     */
    private void startNextCompaction()
    {
        while (null == compaction && compactionsDue > 0)
        {
            int slot = 0;
            while (!compactionDue[slot])
            {
                slot++;
            }
            compactionDue[slot] = false;
            compactionsDue--;
            final int operator = slot / shards;
            final Path target = directory.allocateDataFile(operators[operator], slot % shards, chainHeadIds[slot],
                SnapshotFileKind.FULL);
            final long nowMs = clock.time();
            try
            {
                compaction = ChainCompaction.open(slot, chains.get(slot), directory.sharedDirectory(), target,
                    TtlSnapshotFilter.of(compactionStates[operator], nowMs), compactionFileBuffers, pacer,
                    compactionScratch, nowMs);
            }
            catch (final RuntimeException ex)
            {
                needsFull = true;
                log.accept("cannot compact the chain " + chains.get(slot) + " into " + target + " (" + ex +
                    "): the next checkpoint is a full one");
            }
        }
    }

    /** One key group of the merge in progress; the last one puts the new base in place and opens the next merge. */
    private void stepCompaction()
    {
        final ChainCompaction running = compaction;
        final SnapshotFileResult base;
        try
        {
            if (!running.step())
            {
                return;
            }
            base = running.finish();
        }
        catch (final RuntimeException ex)
        {
            compaction = null;
            running.close();
            needsFull = true;
            log.accept("cannot compact the chain " + running.merged() + " into " + running.targetName() + " (" +
                ex + "): the next checkpoint is a full one");
            return;
        }
        compaction = null;
        running.close();
        // Every reset of the chain (full snapshot, savepoint, abandoned checkpoint) cancels its merge first.
        if (!running.replaceIn(chains.get(running.slot()), base))
        {
            throw new IllegalStateException("the chain " + chains.get(running.slot()) + " of slot " +
                running.slot() + " no longer starts with the files merged into " + running.targetName() + ": " +
                running.merged());
        }
        startNextCompaction();
    }

    private static void forceDirectory(final Path path) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    private void abort(final String reason)
    {
        abort(reason, null);
    }

    private void abort(final String reason, final Throwable cause)
    {
        final InFlight checkpoint = inFlight;
        inFlight = null;
        barrierRequest = 0;
        // The stores' change tracking moved on at the snapshot points that did happen: the next checkpoint must
        // be a new full base.
        needsFull = true;
        cancelCompactions();
        if (!checkpoint.isSavepoint())
        {
            for (final List<CheckpointManifest.FileRef> chain : chains)
            {
                chain.clear();
            }
        }
        log.accept("checkpoint " + checkpoint.checkpointId + " abandoned: " + reason);
        if (null != counters)
        {
            counters.onFailed();
        }
        if (checkpoint.future != null)
        {
            checkpoint.future.completeExceptionally(new IllegalStateException(
                "checkpoint " + checkpoint.checkpointId + " abandoned: " + reason, cause));
        }
    }

    @Override
    public String toString()
    {
        return "CheckpointCoordinator{dir=" + directory.root() + ", completed=" + Arrays.toString(completed.toArray()) +
            '}';
    }
}
