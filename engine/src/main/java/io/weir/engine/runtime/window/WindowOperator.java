package io.weir.engine.runtime.window;

import io.weir.api.RuntimeContext;
import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.WindowAssigner;
import io.weir.engine.runtime.InternalRuntimeContext;
import io.weir.engine.runtime.InternalTimerService;
import io.weir.engine.runtime.PrefetchedStates;
import io.weir.engine.runtime.SnapshotPointListener;
import io.weir.engine.runtime.StateRestoredListener;
import io.weir.engine.state.CreationReportingAggregatingState;
import io.weir.engine.state.KeyContext;
import io.weir.engine.state.KeyedStateRegistry;
import io.weir.engine.state.NamespacedState;
import io.weir.engine.state.RegisteredState;
import io.weir.engine.state.StateLayoutDescriptor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Flink's event-time {@code WindowOperator} for fixed-size (tumbling and sliding) windows with incremental
 * aggregation and zero allowed lateness: each (key, window) has an accumulator in namespaced state (namespace =
 * window start); when the watermark passes the window's last millisecond, each key's result is emitted and its
 * state cleared. An element all of whose windows have already fired is late: it goes to the
 * late-data side output, if one is set, and is otherwise dropped.
 * <p>
 * Where Flink registers an event-time timer per key and window, a window here has one timer per shard, registered
 * with its first key there, and lists its keys ({@link WindowKeys}); the timer fires the window by walking them,
 * loading the next keys' accumulators ahead of their firing. The list is not in checkpoints: after a restore, it is
 * rebuilt from the restored accumulators, and each window gets its timer again. A timer that finds no list for its
 * window (one per key, from a checkpoint of a version that kept them, or a second for a window already walked)
 * fires its own key's window, if it still has contents.
 * <p>
 * A window created since the shard's last snapshot point keeps its accumulators in the operator
 * ({@link WindowAccumulators}), not in the store: most windows fire before the next point, and never touch the
 * store. At a snapshot point the operator writes them to the store and lists their keys, and the window goes on
 * there ({@link #beforeSnapshotPoint}). With periodic checkpoints, only windows created in the first three quarters
 * of an interval get a table, so that a point finds few to write; and where windows outlive the intervals (a point
 * writes more accumulators than the tables fired), new windows stay in the store for a few intervals. A window
 * emits the keys of its table in the order they came, then those in the store in the order they were listed there
 * (after a restore, in the order the store visits them); row order is not part of the contract.
 * One instance per shard; shard thread only.
 */
public final class WindowOperator<K, I, ACC, OUT, R> extends WindowOperatorBase<K, I, ACC, OUT, R>
    implements WindowAssigner.WindowStartConsumer, StateRestoredListener, SnapshotPointListener
{
    private static final String STATE_NAME = "window-contents";
    /** Keys whose accumulators a walk loads together before firing them. */
    private static final int PREFETCH_BATCH = 16;
    private static final int PREFETCH_STRIDE = 64;

    private final WindowAssigner assigner;
    private final long sizeMs;

    private CreationReportingAggregatingState<I, OUT> contents;
    private NamespacedState contentsNamespace;
    private final WindowKeys windowKeys = new WindowKeys();
    private WindowAccumulators accumulators;
    /** The instance the in-memory accumulators decode into, where the codec fills one: no allocation per element. */
    private ACC reusableAccumulator;
    private WindowAccumulators.Table[] flushed = new WindowAccumulators.Table[16];
    /** An accumulator too large for a table, encoded on its way to the store. */
    private final UnsafeBuffer oversized = new UnsafeBuffer(new byte[0]);
    private KeyContext keyContext;
    private KeyedStateStore store;
    /** Whether a walk loads its next keys' contents ahead (the stage's prefetch setting). */
    private boolean prefetches;
    private int contentsStateId;
    private final UnsafeBuffer prefetchKeys = new UnsafeBuffer(new byte[PREFETCH_BATCH * PREFETCH_STRIDE]);
    private final int[] prefetchLengths = new int[PREFETCH_BATCH];

    // Per-element scratch for the assigner callback (avoids a capturing lambda per element).
    private I element;
    private InternalTimerService timers;
    private boolean assignedToLiveWindow;

    public WindowOperator(
        final WindowAssigner assigner,
        final AggregateFunction<I, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction,
        final OutputTag<I> lateDataTag)
    {
        super(aggregateFunction, accumulatorCodec, windowFunction, lateDataTag);
        this.assigner = assigner;
        this.sizeMs = assigner.sizeMs();
    }

    public void open(final RuntimeContext runtimeContext)
    {
        contents = namespacedState(runtimeContext,
            new AggregatingStateDescriptor<>(STATE_NAME, aggregateFunction, accumulatorCodec));
        contentsNamespace = (NamespacedState)contents;
        final InternalRuntimeContext internal = (InternalRuntimeContext)runtimeContext;
        final KeyedStateRegistry registry = internal.stateRegistry();
        keyContext = registry.keyContext();
        store = registry.store();
        prefetches = internal.prefetchesState();
        accumulators = new WindowAccumulators(internal.windowAccumulatorsInMemory(), internal.checkpointIntervalMs());
        contentsStateId = stateId(registry, STATE_NAME);
    }

    private static int stateId(final KeyedStateRegistry registry, final String name)
    {
        for (final RegisteredState state : registry.registeredStates())
        {
            if (state.name().equals(name))
            {
                return state.id();
            }
        }
        throw new IllegalStateException("state '" + name + "' is not registered");
    }

    public void processElement(final I value, final Context ctx, final Collector<R> out)
    {
        element = value;
        timers = (InternalTimerService)ctx.timerService();
        assignedToLiveWindow = false;
        assigner.assignWindows(ctx.timestamp(), this);
        if (!assignedToLiveWindow)
        {
            onElementWithoutWindow(value, ctx.timestamp(), timers.currentWatermark(), ctx);
        }
        element = null;
    }

    /** Assigner callback, within {@link #processElement}. */
    public boolean onWindowStart(final long windowStart)
    {
        final long maxTimestamp = windowStart + sizeMs - 1;
        if (maxTimestamp <= timers.currentWatermark())
        {
            return true;
        }
        assignedToLiveWindow = true;
        WindowAccumulators.Table table = accumulators.table(windowStart);
        if (null == table && !windowKeys.has(windowStart) && accumulators.makesTables())
        {
            // A new window: its accumulators stay here until it fires or a snapshot point writes them to the store.
            table = accumulators.create(windowStart);
            timers.registerEventTimeTimer(windowStart, maxTimestamp);
        }
        if (null != table && addInMemory(table))
        {
            return true;
        }
        contentsNamespace.setNamespace(windowStart);
        if (contents.addReportingCreation(element) &&
            windowKeys.add(windowStart, keyContext.keyGroup(), keyContext.keyBuffer(), 0, keyContext.keyLength()) &&
            null == table)
        {
            // The window's first key on this shard: the window's timer, which walks its keys.
            timers.registerEventTimeTimer(windowStart, maxTimestamp);
        }
        return true;
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<R> out)
    {
        final long windowStart = ((InternalTimerService)ctx.timerService()).currentTimerNamespace();
        final WindowAccumulators.Table table = accumulators.remove(windowStart);
        if (null != table)
        {
            fireInMemory(table, ctx, out);
            accumulators.recycleFired(table);
        }
        final WindowKeys.KeyList list = windowKeys.remove(windowStart);
        if (null == list)
        {
            if (null == table)
            {
                fireCurrentKey(windowStart, ctx, out);
            }
            return;
        }
        final UnsafeBuffer entries = list.entries;
        int position = 0;
        for (int i = 0, count = list.count; i < count; )
        {
            final int batchEnd = Math.min(count, i + PREFETCH_BATCH);
            if (prefetches && store.prefetchesNow())
            {
                prefetch(entries, position, batchEnd - i, windowStart);
            }
            for (; i < batchEnd; i++)
            {
                final int keyLength = entries.getShort(position + WindowKeys.KEY_LENGTH_OFFSET) & 0xFFFF;
                keyContext.setCurrentKey(entries, position + WindowKeys.KEY_OFFSET, keyLength,
                    entries.getShort(position + WindowKeys.KEY_GROUP_OFFSET) & 0xFFFF);
                fireCurrentKey(windowStart, ctx, out);
                position += WindowKeys.KEY_OFFSET + keyLength;
            }
        }
        windowKeys.recycle(list);
    }

    /**
     * Adds the element to the current key's accumulator in {@code table}, unless the key may be in the store (the
     * table spilled) or the tables are full, which then makes the table spill.
     *
     * @return false if the element is for the store.
     */
    private boolean addInMemory(final WindowAccumulators.Table table)
    {
        final DirectBuffer key = keyContext.keyBuffer();
        final int keyLength = keyContext.keyLength();
        final int hash = WindowAccumulators.hash(key, 0, keyLength);
        int entry = WindowAccumulators.find(table, key, 0, keyLength, hash);
        final ACC accumulator;
        if (entry >= 0 && table.moved(entry))
        {
            return false;
        }
        if (entry >= 0)
        {
            accumulator = accumulatorCodec.decode(table.data, table.accumulatorOffset(entry),
                table.accumulatorLength(entry), reusableAccumulator);
            reusableAccumulator = accumulator;
        }
        else if (!table.spilled && accumulators.hasRoom())
        {
            accumulator = aggregateFunction.createAccumulator();
        }
        else
        {
            table.spilled = true;
            return false;
        }
        final ACC updated = aggregateFunction.add(element, accumulator);
        final int length = accumulatorCodec.encodedLength(updated);
        if (length > WindowAccumulators.MAX_ACCUMULATOR_BYTES)
        {
            if (entry < 0)
            {
                // The store's add makes the key's accumulator afresh (the one made here is dropped); the table
                // spills, so that the key's next element looks there too.
                table.spilled = true;
                return false;
            }
            // Too large for the table from now on: the key's accumulator goes on in the store.
            moveToStore(table, entry, updated, length);
            return true;
        }
        if (entry < 0)
        {
            entry = accumulators.insert(table, keyContext.keyGroup(), key, 0, keyLength, hash, length);
        }
        else if (!table.hasRoom(entry, length))
        {
            WindowAccumulators.relocate(table, entry, length);
        }
        final int written = accumulatorCodec.encode(updated, table.data, table.accumulatorOffset(entry));
        if (written != length)
        {
            throw new IllegalStateException("accumulator codec " + accumulatorCodec.id() + " wrote " + written +
                " bytes where its encodedLength said " + length);
        }
        table.accumulatorLength(entry, written);
        return true;
    }

    /** Writes the current key's {@code accumulator} to the store, lists the key there and marks its entry moved. */
    private void moveToStore(
        final WindowAccumulators.Table table, final int entry, final ACC accumulator, final int length)
    {
        if (oversized.capacity() < length)
        {
            oversized.wrap(new byte[length]);
        }
        final int written = accumulatorCodec.encode(accumulator, oversized, 0);
        contentsNamespace.setNamespace(table.window);
        contents.putEncoded(oversized, 0, written);
        windowKeys.add(table.window, keyContext.keyGroup(), keyContext.keyBuffer(), 0, keyContext.keyLength());
        table.markMoved(entry);
    }

    /** Emits the results of a window's in-memory accumulators, in the order their keys came. */
    private void fireInMemory(final WindowAccumulators.Table table, final Context ctx, final Collector<R> out)
    {
        final long windowStart = table.window;
        final UnsafeBuffer data = table.data;
        for (int entry = 0, count = table.count; entry < count; entry++)
        {
            if (table.moved(entry))
            {
                continue; // fired from the store
            }
            keyContext.setCurrentKey(data, table.position(entry) + WindowAccumulators.KEY_OFFSET,
                table.keyLength(entry), table.keyGroup(entry));
            reusableAccumulator = accumulatorCodec.decode(data, table.accumulatorOffset(entry),
                table.accumulatorLength(entry), reusableAccumulator);
            emit(windowStart, windowStart + sizeMs, aggregateFunction.result(reusableAccumulator), ctx, out);
        }
    }

    /**
     * Writes every in-memory accumulator to the store, and lists its key under its window, which goes on in the
     * store: a checkpoint or savepoint then holds every window's contents. The window's timer stays.
     */
    public void beforeSnapshotPoint()
    {
        accumulators.onSnapshotPoint();
        final int windows = accumulators.windows();
        if (0 == windows)
        {
            return;
        }
        if (flushed.length < windows)
        {
            flushed = new WindowAccumulators.Table[Math.max(windows, 2 * flushed.length)];
        }
        accumulators.tables(flushed);
        for (int w = 0; w < windows; w++)
        {
            final WindowAccumulators.Table table = accumulators.remove(flushed[w].window);
            flushed[w] = null;
            final UnsafeBuffer data = table.data;
            contentsNamespace.setNamespace(table.window);
            for (int entry = 0, count = table.count; entry < count; entry++)
            {
                if (table.moved(entry))
                {
                    continue; // in the store and listed already
                }
                final int keyOffset = table.position(entry) + WindowAccumulators.KEY_OFFSET;
                final int keyLength = table.keyLength(entry);
                final int keyGroup = table.keyGroup(entry);
                keyContext.setCurrentKey(data, keyOffset, keyLength, keyGroup);
                contents.putEncoded(data, table.accumulatorOffset(entry), table.accumulatorLength(entry));
                windowKeys.add(table.window, keyGroup, data, keyOffset, keyLength);
            }
            accumulators.recycle(table);
        }
    }

    /** Emits the current key's result for the window, if it has contents, and clears them. */
    private void fireCurrentKey(final long windowStart, final Context ctx, final Collector<R> out)
    {
        contentsNamespace.setNamespace(windowStart);
        final OUT result = contents.getTransient();
        if (result != null)
        {
            emit(windowStart, windowStart + sizeMs, result, ctx, out);
        }
        contents.clear();
    }

    /** Has the store load the accumulators of the {@code keys} listed from {@code position} of {@code entries}. */
    private void prefetch(final DirectBuffer entries, final int position, final int keys, final long windowStart)
    {
        int count = 0;
        int at = position;
        for (int i = 0; i < keys; i++)
        {
            final int keyLength = entries.getShort(at + WindowKeys.KEY_LENGTH_OFFSET) & 0xFFFF;
            final int length = StateKeyDescriptor.KEY_OFFSET + keyLength + StateLayoutDescriptor.NAMESPACE_LENGTH;
            if (length <= PREFETCH_STRIDE)
            {
                prefetchLengths[count] = PrefetchedStates.writeKey(prefetchKeys, count * PREFETCH_STRIDE,
                    entries.getShort(at + WindowKeys.KEY_GROUP_OFFSET) & 0xFFFF,
                    PrefetchedStates.baseEntry(contentsStateId), entries, at + WindowKeys.KEY_OFFSET, keyLength, true,
                    windowStart);
                count++;
            }
            at += WindowKeys.KEY_OFFSET + keyLength;
        }
        if (count > 0)
        {
            store.prefetch(prefetchKeys, PREFETCH_STRIDE, prefetchLengths, count);
        }
    }

    /**
     * Lists the keys of every window the restored state holds contents of, in the order the store visits them,
     * and registers each window's timer under its first key (the restored timers hold that timer already if that
     * key registered it; a second timer for a window finds its keys walked and fires nothing).
     */
    public void onStateRestored(final InternalTimerService timers)
    {
        store.forEach(this::listRestoredEntry);
        windowKeys.forEachFirstKey((windowStart, keyGroup, key, offset, keyLength) ->
        {
            keyContext.setCurrentKey(key, offset, keyLength, keyGroup);
            timers.registerEventTimeTimer(windowStart, windowStart + sizeMs - 1);
        });
    }

    private void listRestoredEntry(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (keyLength >= StateKeyDescriptor.KEY_OFFSET &&
            StateKeyDescriptor.stateId(key) == contentsStateId &&
            StateLayoutDescriptor.baseLength(key, true) == keyLength)
        {
            windowKeys.add(StateLayoutDescriptor.namespace(key), StateKeyDescriptor.keyGroup(key), key,
                StateKeyDescriptor.KEY_OFFSET, StateKeyDescriptor.keyLength(key));
        }
    }
}
