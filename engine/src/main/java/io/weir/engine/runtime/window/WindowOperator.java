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
 * state cleared, in the order the keys' accumulators were created (after a restore, those restored first, in the
 * order the store visits them). An element all of whose windows have already fired is late: it goes to the
 * late-data side output, if one is set, and is otherwise dropped.
 * <p>
 * Where Flink registers an event-time timer per key and window, a window here has one timer per shard, registered
 * with its first key there, and lists its keys ({@link WindowKeys}); the timer fires the window by walking them,
 * loading the next keys' accumulators ahead of their firing. The list is not in checkpoints: after a restore, it is
 * rebuilt from the restored accumulators, and each window gets its timer again. A timer that finds no list for its
 * window (one per key, from a checkpoint of a version that kept them, or a second for a window already walked)
 * fires its own key's window, if it still has contents.
 * One instance per shard; shard thread only.
 */
public final class WindowOperator<K, I, ACC, OUT, R> extends WindowOperatorBase<K, I, ACC, OUT, R>
    implements WindowAssigner.WindowStartConsumer, StateRestoredListener
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
        contentsNamespace.setNamespace(windowStart);
        if (contents.addReportingCreation(element) &&
            windowKeys.add(windowStart, keyContext.keyGroup(), keyContext.keyBuffer(), 0, keyContext.keyLength()))
        {
            // The window's first key on this shard: the window's timer, which walks its keys.
            timers.registerEventTimeTimer(windowStart, maxTimestamp);
        }
        return true;
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<R> out)
    {
        final long windowStart = ((InternalTimerService)ctx.timerService()).currentTimerNamespace();
        final WindowKeys.KeyList list = windowKeys.remove(windowStart);
        if (null == list)
        {
            fireCurrentKey(windowStart, ctx, out);
            return;
        }
        final UnsafeBuffer entries = list.entries;
        int position = 0;
        for (int i = 0, count = list.count; i < count; )
        {
            final int batchEnd = Math.min(count, i + PREFETCH_BATCH);
            if (prefetches)
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
