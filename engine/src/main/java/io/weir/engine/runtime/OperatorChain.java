package io.weir.engine.runtime;

import io.weir.api.connector.TransactionalSinkWriter;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimeDomain;
import io.weir.api.TimerService;
import io.weir.api.codec.Codec;
import io.weir.api.functions.Collector;
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
import io.weir.engine.runtime.snapshot.ShardSnapshotPoint;
import io.weir.engine.runtime.snapshot.ShardStateWriter;
import io.weir.engine.runtime.snapshot.TimerRecordDescriptor;
import io.weir.engine.state.KeyContext;
import io.weir.engine.state.KeyedStateRegistry;
import io.weir.engine.state.RegisteredState;
import io.weir.engine.state.StateIds;
import io.weir.engine.state.StateLayoutDescriptor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * One instance of a keyed stage, for one thread's range of key groups: the keyed function with its state store,
 * state registry, key context, event- and processing-time timers and side outputs, between the stage's
 * {@link InputGate} (which it owns and which hands it events, watermark advances and aligned barriers) and its
 * {@link OutputGate}. Stateless operators chained after the function sit in the output gate's collectors.
 * It takes the stage's snapshot point (state, timers, watermark, the sinks' pre-commit) and restores from a
 * checkpoint when it opens. Nothing it touches is shared: every method is called only from the thread that runs
 * it, except the read-only accessors documented otherwise.
 * <p>
 * One step ({@link #doWork}): if the output has a backlog, drain it, and read input only once it is empty; fire
 * due processing-time timers; run periodic state work; write a step of a checkpoint's state file if it has one
 * to write; at end of input, finish that file, fire every event-time timer and end the output.
 */
public final class OperatorChain<K, I, O>
    implements InputGate.Handler, InputGate.PrefetchHook, RingChannelOutput.TimestampSource
{
    /**
     * Snapshot entries written per step of a state file: the longest an arriving event waits. A step of 16
     * changed keys looked up in a 1M-key Chronicle map takes about 10 µs (cache misses), plus a 16 KiB write to
     * the page cache every few steps.
     */
    static final int STATE_FILE_STEP_ENTRIES = 16;

    /** An idle stage writing its state file still returns to its duty cycle this often (timers, the clock). */
    static final long STATE_FILE_IDLE_WRITE_NS = 100_000;

    /**
     * Timer slots a duty cycle copies of a snapshot point's timers (see {@link TimerQueue#copyStep}). Measured in an
     * INVOKER job with 300k timers: a duty cycle with a step of 256 slots took 4-6 µs at the median, of 1024 slots
     * 15-16 µs; 512 keeps a step near 10 µs and copies 300k timers in about 600 cycles.
     */
    static final int TIMER_COPY_STEP_SLOTS = 512;

    /** How long after its snapshot point a busy stage copies a snapshot for the checkpoint thread only while idle. */
    static final long CAPTURE_IDLE_ONLY_NS = 100_000_000;

    private final String name;
    /** The operator instance, {@code stage * shards + shardId}: its place in a checkpoint. */
    private final int slot;
    private final int shardId;
    private final int shards;
    private final InputGate input;
    private final OutputGate<O> output;
    private final Collector<O> mainOutput;
    private final Codec<I> codec;
    /** The second input's codec of a two-input stage; null for one input. */
    private final Codec<I> secondCodec;
    private final Codec<K> keyCodec;
    private final KeyedProcessFunction<K, I, O> function;
    /** The job-wide settings, for the operators that read them from the runtime context. */
    private final ChainSettings settings;
    /** The function, where it keeps state outside the store between snapshot points; else null. */
    private final SnapshotPointListener snapshotPointListener;
    private final KeyContext keyContext;
    private final KeyedStateRegistry stateRegistry;
    private final KeyedStateStore store;
    private final TimerQueue eventTimers;
    private final TimerQueue processingTimers;
    private final ShardCheckpointHandler checkpointHandler;
    private final ShardStateWriter stateWriter;
    /** A snapshot this stage copies for the checkpoint thread ({@link StoreSnapshot#captureByOwner}), or null. */
    private StoreSnapshot capturing;
    private long capturingSinceNs;
    private final ChainContext context;
    private final int firstKeyGroup;
    private final int lastKeyGroup;
    private final int[] prefetchStateIds = new int[InputGate.MAX_PREFETCH_STATES];
    /** Timers, in firing order, whose entries one prefetch loads; at most as many fire before the next prefetch. */
    private static final int TIMER_PREFETCH_POSITIONS = 16;
    private final int[] timerStateIds = new int[InputGate.MAX_PREFETCH_STATES];
    /** Window-scoped states a timer's function reads under the timer's namespace (its window). */
    private final int[] namespacedPrefetchStateIds = new int[InputGate.MAX_PREFETCH_STATES];
    private int namespacedPrefetchStateCount;
    /** Null when the store does not prefetch or prefetching is off. */
    private final UnsafeBuffer timerKeys;
    /** How far in time the timers whose entries {@link #prefetchUpcomingTimers} loaded last reach. */
    private long timersPrefetchedThrough = Long.MIN_VALUE;
    /** Timers to fire before {@link #prefetchUpcomingTimers} loads the next batch. */
    private int timersUntilPrefetch;
    private final int[] timerKeyLengths;
    private int prefetchStateCount;
    private int prefetchStatesSeen = -1;
    private final ExpandableArrayBuffer timerCopy = new ExpandableArrayBuffer(4096);
    private final TimerQueue.TimerVisitor eventTimerCopier = (ts, ns, kg, key, off, len) ->
        copyTimer(TimerRecordDescriptor.EVENT_TIME, ts, ns, kg, key, off, len);
    private final TimerQueue.TimerVisitor processingTimerCopier = (ts, ns, kg, key, off, len) ->
        copyTimer(TimerRecordDescriptor.PROCESSING_TIME, ts, ns, kg, key, off, len);
    private int timerCopyLength;
    /**
     * The snapshot point whose timers are still being copied into {@link #timerCopy}, one step per duty cycle; it
     * is handed over ({@link ShardCheckpointHandler#onTimersCopied}) once they are. Null when no copy is running.
     */
    private ShardSnapshotPoint pointCopyingTimers;
    /** The timers of a snapshot point with none: read-only, shared. */
    private static final UnsafeBuffer NO_TIMERS = new UnsafeBuffer(new byte[0]);
    private ShardRestore restore;
    /** The function of a keyed broadcast stage; null for other stages. */
    private final BroadcastProcessOperator<?, ?, ?, ?> broadcastOperator;
    private ExpandableArrayBuffer broadcastCopy;

    private long currentWatermark = Long.MIN_VALUE;
    private long nowMs;
    /**
     * The processing time that state TTL stamps and checks: the duty cycle's {@link #nowMs}, as timers and
     * {@code currentProcessingTime()} see it, rather than the system clock read at every state access.
     */
    private final CachedEpochClock processingClock = new CachedEpochClock();
    private long currentTimestamp;
    private long currentTimerNamespace;
    private TimeDomain currentTimeDomain;
    private I reusableElement;
    private I reusableSecondElement;
    private boolean opened;
    private boolean stoppedBySavepoint;
    private volatile boolean finished;
    private static final java.lang.invoke.VarHandle EVENTS_PROCESSED;
    private static final java.lang.invoke.VarHandle EVENTS_EMITTED;
    private static final java.lang.invoke.VarHandle BACK_PRESSURE;
    private static final java.lang.invoke.VarHandle TIMERS_FIRED;

    static
    {
        try
        {
            final java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            EVENTS_PROCESSED = lookup.findVarHandle(OperatorChain.class, "eventsProcessed", long.class);
            EVENTS_EMITTED = lookup.findVarHandle(OperatorChain.class, "eventsEmitted", long.class);
            BACK_PRESSURE = lookup.findVarHandle(OperatorChain.class, "backPressure", long.class);
            TIMERS_FIRED = lookup.findVarHandle(OperatorChain.class, "timersFired", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    // Single writer (the stage's thread); published with opaque stores, which cost no fence, and read with opaque
    // loads.
    private long eventsProcessed;
    private long eventsEmitted;
    private long backPressure;
    private long timersFired;
    /** The output's backlog stopped input in the last step: back-pressure is counted once per stop. */
    private boolean inputStopped;

    /**
     * @param ringBuffers       the input gate's channels.
     * @param channelInputs     the input each channel belongs to; null when all belong to input 0.
     * @param checkpointHandler null without checkpoints.
     */
    public OperatorChain(
        final String name,
        final int slot,
        final int shardId,
        final int shards,
        final AtomicBuffer[] ringBuffers,
        final int[] channelInputs,
        final ChainSettings ctx,
        final Codec<I> codec,
        final Codec<?> secondCodec,
        final Codec<K> keyCodec,
        final KeyedProcessFunction<K, I, O> function,
        final KeyedStateStore store,
        final OutputGate<O> output,
        final ShardCheckpointHandler checkpointHandler,
        final StateIds stateIds)
    {
        this.name = name;
        this.slot = slot;
        this.shardId = shardId;
        this.shards = shards;
        this.codec = codec;
        @SuppressWarnings("unchecked")
        final Codec<I> second = (Codec<I>)secondCodec;
        this.secondCodec = second;
        this.keyCodec = keyCodec;
        this.function = function;
        this.snapshotPointListener = function instanceof SnapshotPointListener ? (SnapshotPointListener)function : null;
        this.store = store;
        this.output = output;
        final Collector<O> main = output.main();
        this.mainOutput = value ->
        {
            EVENTS_EMITTED.setOpaque(this, eventsEmitted + 1);
            main.collect(value);
        };
        this.keyContext = new KeyContext(ctx.maxKeyLength());
        this.settings = ctx;
        this.processingClock.update(ctx.epochClock().time());
        this.stateRegistry = new KeyedStateRegistry(store, keyContext, processingClock, stateIds);
        this.eventTimers = new TimerQueue(1024, 16);
        this.processingTimers = new TimerQueue(64, 16);
        this.checkpointHandler = checkpointHandler;
        this.stateWriter = null == checkpointHandler ? null : checkpointHandler.stateWriter(slot);
        this.context = new ChainContext();
        this.firstKeyGroup = KeyGroups.firstKeyGroup(shardId, ctx.maxParallelism(), shards);
        this.lastKeyGroup = KeyGroups.lastKeyGroup(shardId, ctx.maxParallelism(), shards);
        this.input = new InputGate(name, ringBuffers, channelInputs, ctx.readBatchLimit(), this,
            store.prefetches() ? this : null, ctx.prefetchEvents());
        final boolean prefetchTimers = store.prefetches() && ctx.prefetchEvents() > 0;
        this.timerKeys = prefetchTimers ? new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            KeyedStateStore.MAX_PREFETCH_KEYS * EventLookahead.KEY_STRIDE_BYTES, 64)) : null;
        this.timerKeyLengths = new int[prefetchTimers ? KeyedStateStore.MAX_PREFETCH_KEYS : 0];
        if (function instanceof CoProcessOperator)
        {
            ((CoProcessOperator<?, ?, ?, ?>)function).bind(this);
        }
        if (function instanceof BroadcastProcessOperator)
        {
            broadcastOperator = (BroadcastProcessOperator<?, ?, ?, ?>)function;
            broadcastOperator.bind(this);
        }
        else
        {
            broadcastOperator = null;
        }
    }

    /** Let input channel {@code channel}, a producer's, go idle after {@code timeoutMs}; before the first step. */
    public void idleTimeout(final int channel, final InputGate.SourceActivity producer, final long timeoutMs)
    {
        input.idleTimeout(channel, producer, timeoutMs);
    }

    /** Restore state and timers from a checkpoint when the stage opens (before the first element). */
    public void restoreOnStart(final ShardRestore restore)
    {
        this.restore = restore;
    }

    /** Open the function and load any restored state (idempotent). */
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
                input.restoreWatermark(watermark);
                if (null != broadcastOperator)
                {
                    restore.restoreBroadcastState(this::restoreBroadcastEntry);
                }
                restore = null;
                if (function instanceof StateRestoredListener)
                {
                    ((StateRestoredListener)function).onStateRestored((InternalTimerService)context.timerService());
                }
            }
            if (null != checkpointHandler)
            {
                store.prepareForCheckpoints();
            }
        }
    }

    /**
     * One step of the stage.
     *
     * @param nowMs the thread's clock, read once per duty cycle.
     * @return the work done: events, timers, state-file entries, backlogged records moved.
     */
    int doWork(final long nowMs)
    {
        this.nowMs = nowMs;
        processingClock.update(nowMs);
        int work = 0;
        if (output.hasBacklog())
        {
            work += output.drain();
        }
        if (!output.hasBacklog())
        {
            inputStopped = false;
            work += input.read();
        }
        else if (!inputStopped)
        {
            inputStopped = true;
            BACK_PRESSURE.setOpaque(this, backPressure + 1);
        }
        work += input.checkIdleness(nowMs);
        work += fireProcessingTimers();
        if (work > 0)
        {
            // Incremental TTL cleanup keeps pace with the stage's work; an idle stage neither walks its store nor
            // holds up the next event with a step of the walk.
            stateRegistry.onDutyCycle();
        }
        store.endOfAccess();
        if (null != pointCopyingTimers)
        {
            work += copyTimers(TIMER_COPY_STEP_SLOTS);
        }
        if (null != stateWriter)
        {
            stateWriter.onWork(work);
            if (stateWriter.isBusy())
            {
                work += writeStateFile(work);
            }
        }
        if (null != capturing)
        {
            work += captureSnapshot(work);
        }
        output.flush();
        if (input.isEnded() && !stoppedBySavepoint)
        {
            if (null != pointCopyingTimers)
            {
                // The last timers fire at the end: the point's copy is finished and handed over first.
                work += copyTimers(Integer.MAX_VALUE);
            }
            else if (null != stateWriter && stateWriter.isBusy())
            {
                // Barriers this stage passed belong to a checkpoint that can still complete: write its file.
                work += stateWriter.write(Integer.MAX_VALUE);
            }
            else if (null != capturing)
            {
                // Likewise, copy the snapshot the checkpoint thread is reading (waiting for it when it is behind).
                work += capturing.captureStep();
                if (!capturing.isCapturing())
                {
                    capturing = null;
                }
            }
            else
            {
                finish();
            }
        }
        return work;
    }

    /** The input ended, the last timers fired and the output drained; or a stopping savepoint stopped it. */
    boolean isDone()
    {
        return stoppedBySavepoint || (finished && !output.hasBacklog());
    }

    /** A barrier with {@link RecordDescriptor#BARRIER_FLAG_STOP} passed this stage: it processes no more input. */
    boolean isStoppedBySavepoint()
    {
        return stoppedBySavepoint;
    }

    /** Close the function and the output's sinks; failures go to {@code status}. */
    void close(final JobStatus status)
    {
        try
        {
            store.endOfAccess();
            if (null != pointCopyingTimers)
            {
                // Never handed over: its checkpoint cannot complete, and its store snapshot is released here.
                eventTimers.abandonCopy();
                processingTimers.abandonCopy();
                final ShardSnapshotPoint point = pointCopyingTimers;
                pointCopyingTimers = null;
                point.storeSnapshot().release();
            }
            if (null != capturing)
            {
                capturing.abandonCapture();
                capturing = null;
            }
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
        output.close(status);
    }

    /**
     * Release the state store. Called by the job once this stage's thread and the checkpoint thread (which may
     * still be reading one of its snapshots) have stopped.
     */
    void closeStore(final JobStatus status)
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

    /**
     * When idle, steps until input arrives (or for {@link #STATE_FILE_IDLE_WRITE_NS}), so that an event waits one
     * step. Under load, nothing until the file is overdue ({@link ShardStateWriter#mayWriteUnderLoad}), then a step
     * as long as the cycle's work (at least {@link #STATE_FILE_STEP_ENTRIES}) times the entries each event changed
     * ({@link ShardStateWriter#underLoadBudget}), so that a saturated stage still completes checkpoints about as
     * often as asked, however many entries its events change.
     *
     * @param workThisCycle events, timers and watermarks handled in this duty cycle.
     */
    private int writeStateFile(final int workThisCycle)
    {
        if (workThisCycle > 0)
        {
            final long nowNs = System.nanoTime();
            return stateWriter.mayWriteUnderLoad(nowNs) ? stateWriter.write(
                stateWriter.underLoadBudget(nowNs, Math.max(STATE_FILE_STEP_ENTRIES, workThisCycle))) : 0;
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
        while (stateWriter.isBusy() && !input.inputPending() && System.nanoTime() - deadlineNs < 0);
        return work;
    }

    /**
     * Shard thread, right after {@link #takeSnapshotPoint}, when the checkpoint thread will read the snapshot: the
     * stage copies what the reader would have to read under the store's locks (see {@link StoreSnapshot#captureByOwner}),
     * a step per duty cycle.
     */
    public void captureForReader(final StoreSnapshot snapshot)
    {
        if (null != capturing)
        {
            capturing.abandonCapture(); // of an abandoned checkpoint: its reader fails rather than waits
        }
        capturing = snapshot.captureByOwner() ? snapshot : null;
        capturingSinceNs = System.nanoTime();
    }

    /**
     * One step (a Chronicle segment) per duty cycle: when idle, and under load once the copy is overdue
     * ({@link #CAPTURE_IDLE_ONLY_NS}), so that a saturated stage still completes its checkpoints. One step at a time
     * even when idle: in INVOKER mode nothing arrives while this thread copies, so an event waits for one step.
     */
    private int captureSnapshot(final int workThisCycle)
    {
        final StoreSnapshot snapshot = capturing;
        int work = 0;
        if (0 == workThisCycle || System.nanoTime() - capturingSinceNs >= CAPTURE_IDLE_ONLY_NS)
        {
            work = snapshot.captureStep();
        }
        if (!snapshot.isCapturing())
        {
            capturing = null;
        }
        return work;
    }

    /**
     * The entries to prefetch under an event's key (packed as {@link PrefetchedStates} says): those of the value,
     * reducing and aggregating states outside windows, then the heads of the lists and the packed entries of the maps,
     * up to {@link InputGate#MAX_PREFETCH_STATES}; none while the store would load nothing worth loading
     * ({@link KeyedStateStore#prefetchesNow}).
     */
    public int prefetchStates(final int[] ids)
    {
        return store.prefetchesNow() ? copyPrefetchStates(ids) : 0;
    }

    private int copyPrefetchStates(final int[] ids)
    {
        refreshPrefetchStates();
        System.arraycopy(prefetchStateIds, 0, ids, 0, prefetchStateCount);
        return prefetchStateCount;
    }

    /** Sorts the registered states read first at one known key into those keyed by the key alone and by a namespace. */
    private void refreshPrefetchStates()
    {
        final List<RegisteredState> states = stateRegistry.registeredStates();
        if (states.size() != prefetchStatesSeen)
        {
            prefetchStateCount = 0;
            namespacedPrefetchStateCount = 0;
            addPrefetchStates(states, false);
            addPrefetchStates(states, true);
            prefetchStatesSeen = states.size();
        }
    }

    private void addPrefetchStates(final List<RegisteredState> states, final boolean markedEntries)
    {
        for (int i = 0, size = states.size(); i < size; i++)
        {
            final RegisteredState state = states.get(i);
            final StateDescriptor.Kind kind = state.kind();
            final int entry;
            if (markedEntries)
            {
                if (StateDescriptor.Kind.LIST == kind)
                {
                    entry = PrefetchedStates.markedEntry(state.id(), StateLayoutDescriptor.LIST_HEAD_MARKER);
                }
                else if (StateDescriptor.Kind.MAP == kind)
                {
                    entry = PrefetchedStates.markedEntry(state.id(), StateLayoutDescriptor.MAP_PACKED_MARKER);
                }
                else
                {
                    continue;
                }
            }
            else
            {
                if (StateDescriptor.Kind.VALUE != kind && StateDescriptor.Kind.REDUCING != kind &&
                    StateDescriptor.Kind.AGGREGATING != kind)
                {
                    continue;
                }
                entry = PrefetchedStates.baseEntry(state.id());
            }
            if (!state.namespaced() && prefetchStateCount < prefetchStateIds.length)
            {
                prefetchStateIds[prefetchStateCount++] = entry;
            }
            else if (state.namespaced() && namespacedPrefetchStateCount < namespacedPrefetchStateIds.length)
            {
                namespacedPrefetchStateIds[namespacedPrefetchStateCount++] = entry;
            }
        }
    }

    public void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
    {
        store.prefetch(keys, stride, lengths, count);
    }

    public void onEvent(final DirectBuffer buffer, final int index, final int length)
    {
        final int keyLength = buffer.getInt(index + RecordDescriptor.KEY_LENGTH_OFFSET);
        final int keyGroup = buffer.getInt(index + RecordDescriptor.KEY_GROUP_OFFSET);
        if (null == broadcastOperator || input.currentInput() != BroadcastProcessOperator.BROADCAST_INPUT)
        {
            keyContext.setCurrentKey(buffer, index + RecordDescriptor.KEY_OFFSET, keyLength, keyGroup);
        }
        final int valueOffset = index + RecordDescriptor.KEY_OFFSET + keyLength;
        final I element;
        if (null == secondCodec || input.currentInput() == 0)
        {
            element = codec.decode(buffer, valueOffset, length - (valueOffset - index), reusableElement);
            reusableElement = element;
        }
        else
        {
            element = secondCodec.decode(buffer, valueOffset, length - (valueOffset - index), reusableSecondElement);
            reusableSecondElement = element;
        }
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
            throw new IllegalStateException(name + ": processElement failed: " + ex, ex);
        }
        EVENTS_PROCESSED.setOpaque(this, eventsProcessed + 1);
    }

    public void onWatermark(final long watermark)
    {
        currentWatermark = watermark;
        fireEventTimers();
        output.onWatermark(watermark);
    }

    public void onIdle()
    {
        output.onIdle();
    }

    public void onBarrierAligned(final long checkpointId, final int flags)
    {
        if (checkpointHandler != null)
        {
            checkpointHandler.onBarrierAligned(this, checkpointId, flags);
        }
        output.onBarrier(checkpointId, flags);
        if ((flags & RecordDescriptor.BARRIER_FLAG_STOP) != 0)
        {
            stoppedBySavepoint = true;
        }
    }

    private int fireEventTimers()
    {
        // the common case, nothing due, stays one comparison small enough to inline into the watermark path
        return eventTimers.peekTimestamp() > currentWatermark ? 0 : fireDueEventTimers();
    }

    private int fireDueEventTimers()
    {
        int fired = 0;
        while (true)
        {
            if (null != timerKeys && timersUntilPrefetch <= 0 && !eventTimers.isEmpty())
            {
                prefetchUpcomingTimers();
            }
            if (!eventTimers.pollDue(currentWatermark, keyContext))
            {
                break;
            }
            if (eventTimers.polledTimestamp() > timersPrefetchedThrough)
            {
                timersUntilPrefetch = 0; // past the batch (timers of it were deleted): the next one is loaded next
            }
            fire(eventTimers, TimeDomain.EVENT_TIME);
            fired++;
            timersUntilPrefetch--;
        }
        return fired;
    }

    /**
     * Loads the entries that the next timers' functions will most likely read or clear (the states an event's
     * look-ahead prefetches, under each timer's key, and the window-scoped ones under the timer's namespace, as a
     * window fires its contents: for a fixed-size window, its first key's, the walk of its keys loading the
     * others), for the next {@link #TIMER_PREFETCH_POSITIONS} timers in firing order, due or not: a timer fires
     * long after its key was last touched, when its record and entry are cold, and where timers come due one or
     * two per watermark step (a deduplication flag's expiry), only loads issued for several at
     * once, ahead of their firing, overlap. The next batch is loaded once as many timers as this one covered have
     * fired, or sooner, once a timer past it in time fires (timers of it were deleted). Where the heap holds the next
     * timers, its first places stand in for them. The namespace is a guess: right where a timer's namespace is its
     * state's (a tumbling window); where it is not (a session whose start moved, a sliced window's later slices) the
     * load is wasted, never a wrong read.
     */
    private void prefetchUpcomingTimers()
    {
        timersUntilPrefetch = TIMER_PREFETCH_POSITIONS;
        if (!store.prefetchesNow())
        {
            timersPrefetchedThrough = Long.MAX_VALUE; // asked again after as many timers
            return;
        }
        final int states = copyPrefetchStates(timerStateIds);
        final int namespaced = namespacedPrefetchStateCount;
        if (states + namespaced == 0)
        {
            timersPrefetchedThrough = Long.MAX_VALUE; // nothing to load: asked again after as many timers
            return;
        }
        final int keys = eventTimers.collectKeys(Long.MAX_VALUE, TIMER_PREFETCH_POSITIONS, timerStateIds,
            states, namespacedPrefetchStateIds, namespaced, timerKeys, EventLookahead.KEY_STRIDE_BYTES,
            timerKeyLengths, timerKeyLengths.length);
        timersPrefetchedThrough = eventTimers.collectedThrough();
        if (keys > 0)
        {
            store.prefetch(timerKeys, EventLookahead.KEY_STRIDE_BYTES, timerKeyLengths, keys);
            // Fewer timers covered than asked for when each has many entries.
            timersUntilPrefetch = Math.max(1, Math.min(TIMER_PREFETCH_POSITIONS, keys / (states + namespaced)));
        }
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
            throw new IllegalStateException(name + ": onTimer failed: " + ex, ex);
        }
        TIMERS_FIRED.setOpaque(this, timersFired + 1);
    }

    private void finish()
    {
        if (!finished)
        {
            currentWatermark = Long.MAX_VALUE;
            fireEventTimers();
            output.onEndOfInput();
            finished = true;
        }
    }

    /**
     * The synchronous snapshot point: freeze the store (copy-on-write / MVCC, O(1) in state size), fix the timers,
     * and pre-commit the transactional sinks. On the stage's thread only.
     * <p>
     * The timers are not copied here: their copy is begun (O(1)) and made a step per duty cycle, deletes and
     * firings copying a timer before it goes ({@link TimerQueue#beginCopy}). While it runs, {@link #isCopyingTimers}
     * is true and the returned point carries no timers; the complete point goes to
     * {@link ShardCheckpointHandler#onTimersCopied} when the copy is done. A stopping savepoint's instance stops at
     * once, so its timers are copied here. A copy still running from an earlier point is finished and handed over
     * first (its checkpoint was abandoned: the checkpoint thread discards it).
     */
    public ShardSnapshotPoint takeSnapshotPoint(final long checkpointId, final int flags, final long alignedNs)
    {
        // This runs once a checkpoint, too rarely for the JIT to compile it: interpreted, every call and allocation
        // here costs microseconds of pause (an empty timer copy and sink list were 9 of 25 us), so what is not
        // needed is skipped.
        if (null != pointCopyingTimers)
        {
            copyTimers(Integer.MAX_VALUE);
        }
        if (null != snapshotPointListener)
        {
            snapshotPointListener.beforeSnapshotPoint();
        }
        final boolean full = (flags & RecordDescriptor.BARRIER_FLAG_FULL) != 0;
        final StoreSnapshot storeSnapshot = store.snapshot(checkpointId, full);
        timerCopyLength = 0;
        final long timerCount = eventTimers.size() + processingTimers.size();
        if (timerCount > 0)
        {
            eventTimers.beginCopy(eventTimerCopier);
            processingTimers.beginCopy(processingTimerCopier);
        }
        final List<TransactionalSinkWriter.PartPosition> parts;
        if (output.isTransactional())
        {
            parts = new ArrayList<>(output.sinkCount());
            output.preCommit(parts);
        }
        else
        {
            parts = List.of();
        }
        // Every instance holds the same broadcast state: instance 0's copy is the checkpoint's.
        UnsafeBuffer broadcast = null;
        int broadcastLength = 0;
        if (null != broadcastOperator && 0 == shardId)
        {
            if (null == broadcastCopy)
            {
                broadcastCopy = new ExpandableArrayBuffer(256);
            }
            broadcastLength = broadcastOperator.encodeBroadcastState(broadcastCopy);
            broadcast = new UnsafeBuffer(new byte[broadcastLength]);
            broadcast.putBytes(0, broadcastCopy, 0, broadcastLength);
        }
        final ShardSnapshotPoint point = new ShardSnapshotPoint(checkpointId, flags, slot, shardId, firstKeyGroup,
            lastKeyGroup, currentWatermark, storeSnapshot, NO_TIMERS, 0, timerCount, parts,
            stateRegistry.registeredStates(), System.nanoTime() - alignedNs, broadcast, broadcastLength,
            null == broadcast ? List.of() : broadcastOperator.descriptors());
        if (0 == timerCount)
        {
            return point;
        }
        if ((flags & RecordDescriptor.BARRIER_FLAG_STOP) != 0)
        {
            eventTimers.copyStep(Integer.MAX_VALUE);
            processingTimers.copyStep(Integer.MAX_VALUE);
            return point.withTimers(timerCopy, timerCopyLength);
        }
        pointCopyingTimers = point;
        return point;
    }

    /** Whether the timers of the last snapshot point are still being copied (its point not yet handed over). */
    public boolean isCopyingTimers()
    {
        return null != pointCopyingTimers;
    }

    /**
     * Copy up to {@code maxSlots} slots of each queue's timers for {@link #pointCopyingTimers}; when both copies
     * are done, hand the complete point over. The timers stay in {@link #timerCopy}, which is not written again
     * before the next snapshot point: by then the checkpoint thread has written or discarded this one.
     *
     * @return the slots looked at.
     */
    private int copyTimers(final int maxSlots)
    {
        final int work = eventTimers.copyStep(maxSlots) + processingTimers.copyStep(maxSlots);
        if (!eventTimers.isCopying() && !processingTimers.isCopying())
        {
            final ShardSnapshotPoint point = pointCopyingTimers.withTimers(timerCopy, timerCopyLength);
            pointCopyingTimers = null;
            if (null != checkpointHandler)
            {
                checkpointHandler.onTimersCopied(this, point);
            }
        }
        return work;
    }

    private void restoreBroadcastEntry(
        final int keyGroup, final byte entryType, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final String stateName = io.weir.snapshot.BroadcastStateDescriptor.name(key, keyOffset, keyLength);
        final HeapBroadcastState<?, ?> state = broadcastOperator.broadcastState(stateName);
        if (null == state)
        {
            throw new IllegalStateException(name + ": the checkpoint has broadcast state '" + stateName + "' but " +
                "the broadcast stream does not declare it; declare it in broadcast(...) to restore it");
        }
        state.restore(key, keyOffset, keyLength, value, valueOffset, valueLength);
    }

    /**
     * Call {@code function} for every key of this instance that has state {@code descriptor}, with the key current
     * and the state set to it (a broadcast element's {@code applyToKeyedState}). The keys are collected first, so
     * that the function may change the state. Allocates: it runs per broadcast element, not per keyed element.
     */
    @SuppressWarnings("unchecked")
    <S extends io.weir.api.state.State> void applyToKeyedState(
        final StateDescriptor descriptor, final io.weir.api.state.KeyedStateFunction<K, S> keyedFunction)
        throws Exception
    {
        final S state = (S)register(descriptor);
        int stateId = -1;
        for (final RegisteredState registered : stateRegistry.registeredStates())
        {
            if (registered.name().equals(descriptor.name()))
            {
                stateId = registered.id();
            }
        }
        final int id = stateId;
        final java.util.LinkedHashSet<java.nio.ByteBuffer> keys = new java.util.LinkedHashSet<>();
        store.endOfAccess();
        store.forEach((key, keyLength, value, valueLength) ->
        {
            if (null != value && io.weir.state.spi.StateKeyDescriptor.stateId(key) == id)
            {
                final int length = io.weir.state.spi.StateKeyDescriptor.keyLength(key);
                final byte[] bytes = new byte[Short.BYTES + length];
                bytes[0] = (byte)(io.weir.state.spi.StateKeyDescriptor.keyGroup(key) >>> 8);
                bytes[1] = (byte)io.weir.state.spi.StateKeyDescriptor.keyGroup(key);
                key.getBytes(io.weir.state.spi.StateKeyDescriptor.KEY_OFFSET, bytes, Short.BYTES, length);
                keys.add(java.nio.ByteBuffer.wrap(bytes));
            }
        });
        final UnsafeBuffer key = new UnsafeBuffer(new byte[0]);
        for (final java.nio.ByteBuffer entry : keys)
        {
            final byte[] bytes = entry.array();
            key.wrap(bytes, Short.BYTES, bytes.length - Short.BYTES);
            keyContext.setCurrentKey(key, 0, bytes.length - Short.BYTES, ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF));
            keyedFunction.process(keyCodec.decode(key, 0, bytes.length - Short.BYTES, null), state);
        }
    }

    /** The state handle of {@code descriptor}, registering it if the function has not. */
    private Object register(final StateDescriptor descriptor)
    {
        if (descriptor instanceof ValueStateDescriptor)
        {
            return stateRegistry.getState((ValueStateDescriptor<?>)descriptor);
        }
        if (descriptor instanceof LongValueStateDescriptor)
        {
            return stateRegistry.getLongState((LongValueStateDescriptor)descriptor);
        }
        if (descriptor instanceof ListStateDescriptor)
        {
            return stateRegistry.getListState((ListStateDescriptor<?>)descriptor);
        }
        if (descriptor instanceof MapStateDescriptor)
        {
            return stateRegistry.getMapState((MapStateDescriptor<?, ?>)descriptor);
        }
        if (descriptor instanceof ReducingStateDescriptor)
        {
            return stateRegistry.getReducingState((ReducingStateDescriptor<?>)descriptor);
        }
        if (descriptor instanceof AggregatingStateDescriptor)
        {
            return stateRegistry.getAggregatingState((AggregatingStateDescriptor<?, ?, ?>)descriptor);
        }
        throw new IllegalArgumentException(name + ": applyToKeyedState of unknown state kind " + descriptor);
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

    public InputGate input()
    {
        return input;
    }

    OutputGate<O> output()
    {
        return output;
    }

    public String name()
    {
        return name;
    }

    public int shardId()
    {
        return shardId;
    }

    /** The operator instance, {@code stage * shards + shardId}. */
    public int slot()
    {
        return slot;
    }

    public int firstKeyGroup()
    {
        return firstKeyGroup;
    }

    public int lastKeyGroup()
    {
        return lastKeyGroup;
    }

    /** True once the stage has fired its last timers and ended its output; any thread. */
    public boolean isFinished()
    {
        return finished;
    }

    /** Elements processed so far; any thread (a relaxed read of a counter the stage's thread writes). */
    public long eventsProcessed()
    {
        return (long)EVENTS_PROCESSED.getOpaque(this);
    }

    /** Elements the function emitted so far, to its main and side outputs; any thread (a relaxed read). */
    public long eventsEmitted()
    {
        return (long)EVENTS_EMITTED.getOpaque(this);
    }

    /** Times a full ring downstream stopped this stage from reading input; any thread (a relaxed read). */
    public long backPressure()
    {
        return (long)BACK_PRESSURE.getOpaque(this);
    }

    public long timersFired()
    {
        return (long)TIMERS_FIRED.getOpaque(this);
    }

    /**
     * Whether an upstream instance on this thread may hand a message of input channel {@code channel} straight to
     * this stage ({@link #deliver}): the channel would be read now (see {@link InputGate#acceptsDirect}) and the
     * output has no backlog (else the stage would not read input, and the ring must fill to stop the upstream).
     */
    boolean acceptsDirect(final int channel)
    {
        return !output.hasBacklog() && input.acceptsDirect(channel);
    }

    /** A message of input channel {@code channel} from an upstream instance on this thread, by a method call. */
    void deliver(final int channel, final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        input.deliver(channel, msgTypeId, buffer, index, length);
    }

    /** The thread's clock for this duty cycle, before any stage runs (input handed over directly reads it). */
    void nowMs(final long nowMs)
    {
        this.nowMs = nowMs;
        processingClock.update(nowMs);
    }

    /** The input (0, or 1 of a two-input stage) of the element being handled; on the stage's thread. */
    public int currentInput()
    {
        return input.currentInput();
    }

    /** The timestamp of the element or timer being handled; on the stage's thread. */
    public long currentTimestamp()
    {
        return currentTimestamp;
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
    private final class ChainContext extends KeyedProcessFunction<K, I, O>.OnTimerContext
        implements InternalTimerService
    {
        private final RuntimeContext runtimeContext = new ChainRuntimeContext();

        ChainContext()
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

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            EVENTS_EMITTED.setOpaque(OperatorChain.this, eventsEmitted + 1);
            output.side(tag, value);
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

    private final class ChainRuntimeContext implements InternalRuntimeContext
    {
        public KeyedStateRegistry stateRegistry()
        {
            return stateRegistry;
        }

        public boolean prefetchesState()
        {
            return null != timerKeys;
        }

        public int windowAccumulatorsInMemory()
        {
            return settings.windowAccumulators();
        }

        public long checkpointIntervalMs()
        {
            return settings.checkpointIntervalMs();
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

        public io.weir.api.state.LongListState getLongListState(
            final io.weir.api.state.LongListStateDescriptor descriptor)
        {
            return stateRegistry.getLongListState(descriptor);
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
