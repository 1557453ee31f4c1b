package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimeDomain;
import io.weir.api.TimerService;
import io.weir.api.codec.Codec;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.StateDescriptor;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.engine.checkpoint.ShardRestore;
import io.weir.engine.checkpoint.ShardSnapshotPoint;
import io.weir.engine.checkpoint.ShardStateWriter;
import io.weir.engine.checkpoint.TimerRecordDescriptor;
import io.weir.engine.counters.ShardCounters;
import io.weir.engine.state.KeyContext;
import io.weir.engine.state.KeyedStateRegistry;
import io.weir.engine.state.RegisteredState;
import io.weir.engine.state.StateIds;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A shard: one thread that owns a contiguous range of key groups, their state store, their timers, the
 * shard's watermark and its sink writers. It drains one ring per producer, decoding each element in place
 * into a reused instance, and calls the keyed function. Nothing it touches is shared; every method is called
 * only from the shard thread, except the read-only accessors documented otherwise.
 * <p>
 * Duty cycle: read the clock once; read a bounded batch from each producer's ring (skipping producers whose
 * checkpoint barrier arrived while others' has not: alignment); fire due processing-time timers; run periodic
 * state work; write a step of a checkpoint's state file if it has one to write (until input arrives, when the
 * cycle found none); at end of input finish that file, fire every event-time timer and finish.
 */
public final class ShardAgent<K, I, O> implements Agent
{
    /**
     * Snapshot entries written per step of a state file: the longest an arriving event waits. A step of 16
     * changed keys looked up in a 1M-key Chronicle map takes about 10 µs (cache misses), plus a 16 KiB write to
     * the page cache every few steps.
     */
    static final int STATE_FILE_STEP_ENTRIES = 16;

    /** An idle shard writing its state file still returns to its duty cycle this often (timers, the clock). */
    static final long STATE_FILE_IDLE_WRITE_NS = 100_000;

    /**
     * States whose keys are prefetched, in registration order. The keys of a step's events for each must fit
     * {@link KeyedStateStore#MAX_PREFETCH_KEYS}: with 4 states, steps of 16 events.
     */
    static final int MAX_PREFETCH_STATES = 4;

    private final int shardId;
    private final int shards;
    private final JobStatus status;
    private final OneToOneRingBuffer[] rings;
    private final long[] producerWatermarks;
    private final boolean[] producerEnded;
    private final boolean[] producerAtBarrier;
    private final int readBatchLimit;
    /** Null when the store does not prefetch or {@link WeirContext#prefetchEvents} is 0. */
    private final EventLookahead lookahead;
    private final int prefetchEvents;
    private final int[] prefetchStateIds = new int[MAX_PREFETCH_STATES];
    private int prefetchStateCount;
    private int prefetchStatesSeen = -1;
    /** The last ring read ended at a barrier or the end of input, as {@code controlledRead} does. */
    private boolean readBroken;
    private final Codec<I> codec;
    private final Codec<K> keyCodec;
    private final KeyedProcessFunction<K, I, O> function;
    private final KeyContext keyContext;
    private final KeyedStateRegistry stateRegistry;
    private final KeyedStateStore store;
    private final TimerQueue eventTimers;
    private final TimerQueue processingTimers;
    private final EpochClock clock;
    private final SinkWriter<O> mainOutput;
    private final OutputTag<?>[] sideTags;
    private final SinkWriter<?>[] sideOutputs;
    private final ShardCheckpointHandler checkpointHandler;
    private final ShardStateWriter stateWriter;
    private final ShardContext context;
    private final ControlledMessageHandler messageHandler = this::onMessage;
    private final int firstKeyGroup;
    private final int lastKeyGroup;
    private final ExpandableArrayBuffer timerCopy = new ExpandableArrayBuffer(4096);
    private final TimerQueue.TimerVisitor eventTimerCopier = (ts, ns, kg, key, off, len) ->
        copyTimer(TimerRecordDescriptor.EVENT_TIME, ts, ns, kg, key, off, len);
    private final TimerQueue.TimerVisitor processingTimerCopier = (ts, ns, kg, key, off, len) ->
        copyTimer(TimerRecordDescriptor.PROCESSING_TIME, ts, ns, kg, key, off, len);
    private int timerCopyLength;
    /** The timers of a snapshot point with none: read-only, shared. */
    private static final UnsafeBuffer NO_TIMERS = new UnsafeBuffer(new byte[0]);
    /** Whether any output pre-commits at a snapshot point. */
    private final boolean transactionalSinks;
    private ShardRestore restore;
    /** Null when the job publishes no counters. */
    private ShardCounters counters;

    private int currentProducer;
    private long currentWatermark = Long.MIN_VALUE;
    private long nowMs;
    private long currentTimestamp;
    private long currentTimerNamespace;
    private TimeDomain currentTimeDomain;
    private I reusableElement;
    private int endedProducers;
    private int producersAtBarrier;
    private long pendingBarrierId = -1;
    private int pendingBarrierFlags;
    private long lastCheckpointId = -1;
    private boolean opened;
    private volatile boolean ready;
    private boolean stoppedBySavepoint;
    private volatile boolean finished;
    private static final java.lang.invoke.VarHandle EVENTS_PROCESSED;
    private static final java.lang.invoke.VarHandle TIMERS_FIRED;

    static
    {
        try
        {
            final java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            EVENTS_PROCESSED = lookup.findVarHandle(ShardAgent.class, "eventsProcessed", long.class);
            TIMERS_FIRED = lookup.findVarHandle(ShardAgent.class, "timersFired", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    // Single writer (the shard); published with opaque stores, which cost no fence, and read with opaque loads.
    private long eventsProcessed;
    private long timersFired;

    ShardAgent(
        final int shardId,
        final int shards,
        final JobStatus status,
        final AtomicBuffer[] ringBuffers,
        final WeirContext ctx,
        final Codec<I> codec,
        final Codec<K> keyCodec,
        final KeyedProcessFunction<K, I, O> function,
        final KeyedStateStore store,
        final SinkWriter<O> mainOutput,
        final OutputTag<?>[] sideTags,
        final SinkWriter<?>[] sideOutputs,
        final ShardCheckpointHandler checkpointHandler,
        final StateIds stateIds)
    {
        this.shardId = shardId;
        this.shards = shards;
        this.status = status;
        this.rings = new OneToOneRingBuffer[ringBuffers.length];
        for (int i = 0; i < ringBuffers.length; i++)
        {
            rings[i] = new OneToOneRingBuffer(ringBuffers[i]);
        }
        this.producerWatermarks = new long[rings.length];
        Arrays.fill(producerWatermarks, Long.MIN_VALUE);
        this.producerEnded = new boolean[rings.length];
        this.producerAtBarrier = new boolean[rings.length];
        this.readBatchLimit = ctx.readBatchLimit();
        this.prefetchEvents = ctx.prefetchEvents();
        this.lookahead = prefetchEvents > 0 && store.prefetches() ?
            new EventLookahead(KeyedStateStore.MAX_PREFETCH_KEYS) : null;
        this.codec = codec;
        this.keyCodec = keyCodec;
        this.function = function;
        this.store = store;
        this.clock = ctx.epochClock();
        this.keyContext = new KeyContext(ctx.maxKeyLength());
        this.stateRegistry = new KeyedStateRegistry(store, keyContext, clock, stateIds);
        this.eventTimers = new TimerQueue(1024, 16);
        this.processingTimers = new TimerQueue(64, 16);
        this.mainOutput = mainOutput;
        this.sideTags = sideTags;
        this.sideOutputs = sideOutputs;
        boolean transactional = mainOutput instanceof TransactionalSinkWriter;
        for (final SinkWriter<?> writer : sideOutputs)
        {
            transactional |= writer instanceof TransactionalSinkWriter;
        }
        this.transactionalSinks = transactional;
        this.checkpointHandler = checkpointHandler;
        this.stateWriter = null == checkpointHandler ? null : checkpointHandler.stateWriter(shardId);
        this.context = new ShardContext();
        this.firstKeyGroup = KeyGroups.firstKeyGroup(shardId, ctx.maxParallelism(), shards);
        this.lastKeyGroup = KeyGroups.lastKeyGroup(shardId, ctx.maxParallelism(), shards);
    }

    /** Restore state and timers from a checkpoint when the shard starts (before the first element). */
    void restoreOnStart(final ShardRestore restore)
    {
        this.restore = restore;
    }

    /** Publish this shard's counters from its duty cycle; called before the shard thread starts. */
    void counters(final ShardCounters counters)
    {
        this.counters = counters.bind(rings, store);
    }

    public String roleName()
    {
        return "weir-shard-" + shardId;
    }

    public void onStart()
    {
        open();
    }

    /** Open the function (idempotent); exposed so tests stepping the agent by hand need no runner. */
    void open()
    {
        if (!opened)
        {
            opened = true;
            function.open(context.runtimeContext);
            if (restore != null)
            {
                final long watermark = restore.restoreShard(
                    firstKeyGroup, lastKeyGroup, store, stateRegistry.registeredStates(), eventTimers,
                    processingTimers);
                currentWatermark = watermark;
                Arrays.fill(producerWatermarks, watermark);
                restore = null;
            }
            if (null != checkpointHandler)
            {
                store.prepareForCheckpoints();
            }
            ready = true;
        }
    }

    public int doWork()
    {
        if (status.isAborting())
        {
            throw new AgentTerminationException();
        }
        try
        {
            nowMs = clock.time();
            int work = 0;
            for (int p = 0; p < rings.length; p++)
            {
                if (!producerEnded[p] && !producerAtBarrier[p])
                {
                    currentProducer = p;
                    work += null == lookahead ?
                        rings[p].controlledRead(messageHandler, readBatchLimit) : readWithLookahead(p);
                }
            }
            work += fireProcessingTimers();
            if (null != counters)
            {
                counters.onDutyCycle(
                    nowMs, eventsProcessed, currentWatermark, eventTimers.size() + processingTimers.size());
            }
            stateRegistry.onDutyCycle();
            store.endOfAccess();
            if (null != stateWriter && stateWriter.isBusy())
            {
                work += writeStateFile(work);
            }
            if (stoppedBySavepoint)
            {
                // Stop with savepoint: the sources stopped after the barrier; the output after the savepoint's
                // committed lengths is not published (a restore resumes from the savepoint).
                throw new AgentTerminationException();
            }
            if (endedProducers == rings.length)
            {
                if (null != stateWriter && stateWriter.isBusy())
                {
                    // Barriers this shard passed belong to a checkpoint that can still complete: write its file.
                    return work + stateWriter.write(Integer.MAX_VALUE);
                }
                finish();
                throw new AgentTerminationException();
            }
            return work;
        }
        catch (final AgentTerminationException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            status.fail(ex);
            throw new AgentTerminationException(ex);
        }
    }

    public void onClose()
    {
        try
        {
            store.endOfAccess();
            if (null != stateWriter)
            {
                stateWriter.abandon();
            }
            if (opened)
            {
                function.close();
            }
        }
        catch (final Throwable ex)
        {
            status.fail(ex);
        }
        closeQuietlyRecording(mainOutput);
        for (final SinkWriter<?> writer : sideOutputs)
        {
            closeQuietlyRecording(writer);
        }
    }

    /**
     * Release the state store. Called by the job once this shard's thread and the checkpoint thread (which may
     * still be reading one of its snapshots) have stopped.
     */
    void closeStore()
    {
        try
        {
            store.close();
        }
        catch (final Throwable ex)
        {
            status.fail(ex);
        }
    }

    private void closeQuietlyRecording(final SinkWriter<?> writer)
    {
        try
        {
            writer.close();
        }
        catch (final Throwable ex)
        {
            status.fail(ex);
        }
    }

    /**
     * When idle, steps until input arrives (or for {@link #STATE_FILE_IDLE_WRITE_NS}), so that an event waits one
     * step. Under load, nothing until the file is overdue ({@link ShardStateWriter#mayWriteUnderLoad}), then a step
     * as long as the cycle's work (at least {@link #STATE_FILE_STEP_ENTRIES}), so that a saturated shard writes an
     * entry per event and still completes checkpoints about as often as asked.
     *
     * @param workThisCycle events, timers and watermarks handled in this duty cycle.
     */
    private int writeStateFile(final int workThisCycle)
    {
        if (workThisCycle > 0)
        {
            return stateWriter.mayWriteUnderLoad(System.nanoTime()) ?
                stateWriter.write(Math.max(STATE_FILE_STEP_ENTRIES, workThisCycle)) : 0;
        }
        int work = 0;
        final long deadlineNs = System.nanoTime() + STATE_FILE_IDLE_WRITE_NS;
        do
        {
            final int step = stateWriter.write(STATE_FILE_STEP_ENTRIES);
            if (0 == step)
            {
                break; // the file is not handed over yet
            }
            work += step;
        }
        while (stateWriter.isBusy() && !inputPending() && System.nanoTime() - deadlineNs < 0);
        return work;
    }

    /** Whether a ring this shard is reading from has something to read. */
    private boolean inputPending()
    {
        for (int p = 0; p < rings.length; p++)
        {
            if (!producerEnded[p] && !producerAtBarrier[p] &&
                rings[p].producerPosition() != rings[p].consumerPosition())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Read a batch as {@code controlledRead} does (up to {@link #readBatchLimit} messages, ending after a barrier or
     * the end of input), in steps of at most {@link #prefetchEvents}: before each step, the store prefetches the
     * keys of the step's events, so that their cache misses overlap (see
     * {@link io.weir.state.spi.KeyedStateStore#prefetch}). A step reads only the events whose keys it collected
     * (all of them, unless they outnumber the store's {@link KeyedStateStore#MAX_PREFETCH_KEYS}).
     */
    private int readWithLookahead(final int p)
    {
        final OneToOneRingBuffer ring = rings[p];
        updatePrefetchStates();
        if (0 == prefetchStateCount)
        {
            return ring.controlledRead(messageHandler, readBatchLimit);
        }
        int read = 0;
        int limit;
        int step;
        readBroken = false;
        do
        {
            limit = Math.min(prefetchEvents, readBatchLimit - read);
            final int keys = lookahead.collect(ring, limit, prefetchStateIds, prefetchStateCount);
            if (keys > 0)
            {
                store.prefetch(lookahead.keys(), EventLookahead.KEY_STRIDE_BYTES, lookahead.lengths(), keys);
                // Only what was prefetched: events published since are read in the next step, with theirs.
                limit = Math.min(limit, lookahead.messages());
            }
            step = ring.controlledRead(messageHandler, limit);
            read += step;
        }
        while (step == limit && read < readBatchLimit && !readBroken);
        return read;
    }

    /** The states to prefetch: value, reducing and aggregating states outside windows (their key is the event's). */
    private void updatePrefetchStates()
    {
        final List<RegisteredState> states = stateRegistry.registeredStates();
        if (states.size() == prefetchStatesSeen)
        {
            return;
        }
        int count = 0;
        for (int i = 0, size = states.size(); i < size && count < MAX_PREFETCH_STATES; i++)
        {
            final RegisteredState state = states.get(i);
            final StateDescriptor.Kind kind = state.kind();
            if (!state.namespaced() && (StateDescriptor.Kind.VALUE == kind || StateDescriptor.Kind.REDUCING == kind ||
                StateDescriptor.Kind.AGGREGATING == kind))
            {
                prefetchStateIds[count++] = state.id();
            }
        }
        prefetchStateCount = count;
        prefetchStatesSeen = states.size();
    }

    private ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        switch (msgTypeId)
        {
            case RecordDescriptor.EVENT_MSG_TYPE:
                onEvent(buffer, index, length);
                return ControlledMessageHandler.Action.CONTINUE;

            case RecordDescriptor.WATERMARK_MSG_TYPE:
                onProducerWatermark(currentProducer, buffer.getLong(index + RecordDescriptor.WATERMARK_OFFSET));
                return ControlledMessageHandler.Action.CONTINUE;

            case RecordDescriptor.BARRIER_MSG_TYPE:
                readBroken = true;
                onBarrier(
                    currentProducer,
                    buffer.getLong(index + RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET),
                    buffer.getInt(index + RecordDescriptor.BARRIER_FLAGS_OFFSET));
                return ControlledMessageHandler.Action.BREAK;

            case RecordDescriptor.END_OF_INPUT_MSG_TYPE:
                readBroken = true;
                onEndOfInput(currentProducer);
                return ControlledMessageHandler.Action.BREAK;

            default:
                throw new IllegalStateException("shard " + shardId + ": unknown message type " + msgTypeId +
                    " from producer " + currentProducer);
        }
    }

    private void onEvent(final DirectBuffer buffer, final int index, final int length)
    {
        onProducerWatermark(currentProducer, buffer.getLong(index + RecordDescriptor.WATERMARK_OFFSET));
        final int keyLength = buffer.getInt(index + RecordDescriptor.KEY_LENGTH_OFFSET);
        final int keyGroup = buffer.getInt(index + RecordDescriptor.KEY_GROUP_OFFSET);
        keyContext.setCurrentKey(buffer, index + RecordDescriptor.KEY_OFFSET, keyLength, keyGroup);
        final int valueOffset = index + RecordDescriptor.KEY_OFFSET + keyLength;
        final I element = codec.decode(buffer, valueOffset, length - (valueOffset - index), reusableElement);
        reusableElement = element;
        currentTimestamp = buffer.getLong(index + RecordDescriptor.TIMESTAMP_OFFSET);
        currentTimeDomain = null;
        currentTimerNamespace = 0;
        try
        {
            function.processElement(element, context, mainOutput);
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("shard " + shardId + ": processElement failed: " + ex, ex);
        }
        EVENTS_PROCESSED.setOpaque(this, eventsProcessed + 1);
    }

    private void onProducerWatermark(final int producer, final long watermark)
    {
        if (watermark > producerWatermarks[producer])
        {
            producerWatermarks[producer] = watermark;
            long min = Long.MAX_VALUE;
            for (final long w : producerWatermarks)
            {
                min = Math.min(min, w);
            }
            if (min > currentWatermark)
            {
                currentWatermark = min;
                fireEventTimers();
            }
        }
    }

    private void onEndOfInput(final int producer)
    {
        if (!producerEnded[producer])
        {
            producerEnded[producer] = true;
            endedProducers++;
            if (producerAtBarrier[producer])
            {
                producerAtBarrier[producer] = false;
                producersAtBarrier--;
            }
            onProducerWatermark(producer, Long.MAX_VALUE);
            checkBarrierAligned();
        }
    }

    private void onBarrier(final int producer, final long checkpointId, final int flags)
    {
        if (checkpointId <= lastCheckpointId)
        {
            return;
        }
        if (pendingBarrierId != checkpointId)
        {
            if (producersAtBarrier != 0)
            {
                throw new IllegalStateException("shard " + shardId + ": barrier " + checkpointId + " from producer " +
                    producer + " while barrier " + pendingBarrierId + " is still aligning");
            }
            pendingBarrierId = checkpointId;
            pendingBarrierFlags = flags;
        }
        if (!producerAtBarrier[producer])
        {
            producerAtBarrier[producer] = true;
            producersAtBarrier++;
        }
        checkBarrierAligned();
    }

    private void checkBarrierAligned()
    {
        if (pendingBarrierId >= 0 && producersAtBarrier + endedProducers == rings.length)
        {
            final long checkpointId = pendingBarrierId;
            lastCheckpointId = checkpointId;
            pendingBarrierId = -1;
            Arrays.fill(producerAtBarrier, false);
            producersAtBarrier = 0;
            if (checkpointHandler != null)
            {
                checkpointHandler.onBarrierAligned(this, checkpointId, pendingBarrierFlags);
            }
            if ((pendingBarrierFlags & RecordDescriptor.BARRIER_FLAG_STOP) != 0)
            {
                stoppedBySavepoint = true;
            }
        }
    }

    private int fireEventTimers()
    {
        int fired = 0;
        while (eventTimers.pollDue(currentWatermark, keyContext))
        {
            fire(eventTimers, TimeDomain.EVENT_TIME);
            fired++;
        }
        return fired;
    }

    private int fireProcessingTimers()
    {
        int fired = 0;
        while (processingTimers.pollDue(nowMs, keyContext))
        {
            fire(processingTimers, TimeDomain.PROCESSING_TIME);
            fired++;
        }
        return fired;
    }

    private void fire(final TimerQueue queue, final TimeDomain domain)
    {
        currentTimestamp = queue.polledTimestamp();
        currentTimerNamespace = queue.polledNamespace();
        currentTimeDomain = domain;
        try
        {
            function.onTimer(currentTimestamp, context, mainOutput);
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("shard " + shardId + ": onTimer failed: " + ex, ex);
        }
        TIMERS_FIRED.setOpaque(this, timersFired + 1);
    }

    private void finish()
    {
        if (!finished)
        {
            currentWatermark = Long.MAX_VALUE;
            fireEventTimers();
            mainOutput.onEndOfInput();
            for (final SinkWriter<?> writer : sideOutputs)
            {
                writer.onEndOfInput();
            }
            finished = true;
        }
    }

    /**
     * The synchronous snapshot point: freeze the store (copy-on-write / MVCC, O(1) in state size), copy the timers,
     * and pre-commit the transactional sinks. Shard thread only.
     */
    public ShardSnapshotPoint takeSnapshotPoint(final long checkpointId, final int flags, final long alignedNs)
    {
        // This runs once a checkpoint, too rarely for the JIT to compile it: interpreted, every call and allocation
        // here costs microseconds of pause (an empty timer copy and sink list were 9 of 25 us), so what is not
        // needed is skipped.
        final boolean full = (flags & RecordDescriptor.BARRIER_FLAG_FULL) != 0;
        final StoreSnapshot storeSnapshot = store.snapshot(checkpointId, full);
        timerCopyLength = 0;
        if (eventTimers.size() > 0)
        {
            eventTimers.forEach(eventTimerCopier);
        }
        if (processingTimers.size() > 0)
        {
            processingTimers.forEach(processingTimerCopier);
        }
        final UnsafeBuffer timers;
        if (0 == timerCopyLength)
        {
            timers = NO_TIMERS;
        }
        else
        {
            timers = new UnsafeBuffer(new byte[timerCopyLength]);
            timers.putBytes(0, timerCopy, 0, timerCopyLength);
        }
        final List<TransactionalSinkWriter.PartPosition> parts;
        if (transactionalSinks)
        {
            parts = new ArrayList<>(1 + sideOutputs.length);
            preCommit(mainOutput, parts);
            for (final SinkWriter<?> writer : sideOutputs)
            {
                preCommit(writer, parts);
            }
        }
        else
        {
            parts = List.of();
        }
        return new ShardSnapshotPoint(checkpointId, flags, shardId, firstKeyGroup, lastKeyGroup, currentWatermark,
            storeSnapshot, timers, timerCopyLength, eventTimers.size() + processingTimers.size(), parts,
            stateRegistry.registeredStates(), System.nanoTime() - alignedNs);
    }

    private static void preCommit(final SinkWriter<?> writer, final List<TransactionalSinkWriter.PartPosition> parts)
    {
        if (writer instanceof TransactionalSinkWriter)
        {
            parts.add(((TransactionalSinkWriter<?>)writer).preCommit());
        }
    }

    private void copyTimer(
        final byte domain, final long ts, final long ns, final int kg, final DirectBuffer key, final int keyOffset,
        final int keyLength)
    {
        final int at = timerCopyLength;
        timerCopy.putByte(at + TimerRecordDescriptor.DOMAIN_OFFSET, domain);
        timerCopy.putInt(at + TimerRecordDescriptor.KEY_GROUP_OFFSET, kg);
        timerCopy.putLong(at + TimerRecordDescriptor.TIMESTAMP_OFFSET, ts);
        timerCopy.putLong(at + TimerRecordDescriptor.NAMESPACE_OFFSET, ns);
        timerCopy.putInt(at + TimerRecordDescriptor.KEY_LENGTH_OFFSET, keyLength);
        timerCopy.putBytes(at + TimerRecordDescriptor.KEY_OFFSET, key, keyOffset, keyLength);
        timerCopyLength = at + TimerRecordDescriptor.KEY_OFFSET + keyLength;
    }

    public int firstKeyGroup()
    {
        return firstKeyGroup;
    }

    public int lastKeyGroup()
    {
        return lastKeyGroup;
    }

    public int shardId()
    {
        return shardId;
    }

    /** True once the function is open and any restore has been loaded; any thread. */
    public boolean isReady()
    {
        return ready;
    }

    /** True once the shard has processed all input; any thread. */
    public boolean isFinished()
    {
        return finished;
    }

    /** Elements processed so far; any thread (a relaxed read of a counter the shard writes). */
    public long eventsProcessed()
    {
        return (long)EVENTS_PROCESSED.getOpaque(this);
    }

    public long timersFired()
    {
        return (long)TIMERS_FIRED.getOpaque(this);
    }

    public long currentWatermark()
    {
        return currentWatermark;
    }

    public KeyedStateStore store()
    {
        return store;
    }

    public KeyedStateRegistry stateRegistry()
    {
        return stateRegistry;
    }

    public TimerQueue eventTimers()
    {
        return eventTimers;
    }

    public TimerQueue processingTimers()
    {
        return processingTimers;
    }

    /** The context handed to the function: element and timer context, timer service and runtime context. */
    private final class ShardContext extends KeyedProcessFunction<K, I, O>.OnTimerContext
        implements InternalTimerService
    {
        private final RuntimeContext runtimeContext = new ShardRuntimeContext();

        ShardContext()
        {
            function.super();
        }

        public long timestamp()
        {
            return currentTimestamp;
        }

        public TimerService timerService()
        {
            return this;
        }

        @SuppressWarnings("unchecked")
        public <X> void output(final OutputTag<X> tag, final X value)
        {
            final OutputTag<?>[] tags = sideTags;
            for (int i = 0; i < tags.length; i++)
            {
                if (tags[i] == tag)
                {
                    ((SinkWriter<X>)sideOutputs[i]).collect(value);
                    return;
                }
            }
            throw new IllegalArgumentException("side output " + tag + " was not declared on the job builder");
        }

        public K getCurrentKey()
        {
            return keyCodec.decode(keyContext.keyBuffer(), 0, keyContext.keyLength(), null);
        }

        public TimeDomain timeDomain()
        {
            return currentTimeDomain;
        }

        public long currentProcessingTime()
        {
            return nowMs;
        }

        public long currentWatermark()
        {
            return currentWatermark;
        }

        public void registerEventTimeTimer(final long timestampMs)
        {
            registerEventTimeTimer(0, timestampMs);
        }

        public void registerProcessingTimeTimer(final long timestampMs)
        {
            processingTimers.add(
                timestampMs, 0, keyContext.keyGroup(), keyContext.keyBuffer(), keyContext.keyLength());
        }

        public void deleteEventTimeTimer(final long timestampMs)
        {
            deleteEventTimeTimer(0, timestampMs);
        }

        public void deleteProcessingTimeTimer(final long timestampMs)
        {
            processingTimers.remove(timestampMs, 0, keyContext.keyBuffer(), keyContext.keyLength());
        }

        public void registerEventTimeTimer(final long namespace, final long timestampMs)
        {
            eventTimers.add(
                timestampMs, namespace, keyContext.keyGroup(), keyContext.keyBuffer(), keyContext.keyLength());
        }

        public void deleteEventTimeTimer(final long namespace, final long timestampMs)
        {
            eventTimers.remove(timestampMs, namespace, keyContext.keyBuffer(), keyContext.keyLength());
        }

        public long currentTimerNamespace()
        {
            return currentTimerNamespace;
        }
    }

    private final class ShardRuntimeContext implements InternalRuntimeContext
    {
        public KeyedStateRegistry stateRegistry()
        {
            return stateRegistry;
        }

        public int shardId()
        {
            return shardId;
        }

        public int numberOfShards()
        {
            return shards;
        }

        public <T> ValueState<T> getState(final ValueStateDescriptor<T> descriptor)
        {
            return stateRegistry.getState(descriptor);
        }

        public LongValueState getLongState(final LongValueStateDescriptor descriptor)
        {
            return stateRegistry.getLongState(descriptor);
        }

        public <T> ListState<T> getListState(final ListStateDescriptor<T> descriptor)
        {
            return stateRegistry.getListState(descriptor);
        }

        public <UK, UV> MapState<UK, UV> getMapState(final MapStateDescriptor<UK, UV> descriptor)
        {
            return stateRegistry.getMapState(descriptor);
        }

        public <T> ReducingState<T> getReducingState(final ReducingStateDescriptor<T> descriptor)
        {
            return stateRegistry.getReducingState(descriptor);
        }

        public <IN, ACC, OUT> AggregatingState<IN, OUT> getAggregatingState(
            final AggregatingStateDescriptor<IN, ACC, OUT> descriptor)
        {
            return stateRegistry.getAggregatingState(descriptor);
        }
    }
}
