package io.weir.engine.state;

import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongListState;
import io.weir.api.state.LongListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.State;
import io.weir.api.state.StateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.concurrent.EpochClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * A shard's keyed states: turns descriptors into typed views over the shard's {@link KeyedStateStore}, takes their
 * state ids from the job's {@link StateIds} (the same id for a name on every shard, whenever it is registered) and
 * drives TTL incremental cleanup.
 * <p>
 * One per shard. Every method is called from the shard thread; operators register their states in {@code open},
 * or lazily on first use. Only states registered in {@code open} are restored from a checkpoint: the restore runs
 * right after it. The views are shard-thread only as well. {@link #registeredStates()} returns an immutable copy
 * that may be handed to the snapshot thread.
 */
public final class KeyedStateRegistry
{
    private final KeyedStateStore store;
    private final KeyContext keyContext;
    private final EpochClock ttlClock;
    private final StateIds stateIds;
    private final HashMap<String, Registration> byName = new HashMap<>();
    private final ArrayList<RegisteredState> registered = new ArrayList<>();
    private final ArrayList<TtlIncrementalCleanup> perCycleCleanups = new ArrayList<>();
    private List<RegisteredState> registeredView = List.of();
    private TtlCleanupWalk cleanupWalk;

    /** A registry whose ids are its own: ids in its registration order from 1 (a job of one shard, tests). */
    public KeyedStateRegistry(final KeyedStateStore store, final KeyContext keyContext, final EpochClock ttlClock)
    {
        this(store, keyContext, ttlClock, new StateIds());
    }

    /**
     * @param store      the shard's store.
     * @param keyContext the shard's current key, set by the shard before user code runs.
     * @param ttlClock   processing-time clock in epoch milliseconds for TTL timestamps.
     * @param stateIds   the job's state ids, shared by every shard's registry.
     */
    public KeyedStateRegistry(
        final KeyedStateStore store, final KeyContext keyContext, final EpochClock ttlClock, final StateIds stateIds)
    {
        this.store = Objects.requireNonNull(store, "store");
        this.keyContext = Objects.requireNonNull(keyContext, "keyContext");
        this.ttlClock = Objects.requireNonNull(ttlClock, "ttlClock");
        this.stateIds = Objects.requireNonNull(stateIds, "stateIds");
    }

    /** A value state (its {@code value(reuse)} decodes into an instance the caller keeps). */
    public <T> ValueState<T> getState(final ValueStateDescriptor<T> descriptor)
    {
        return register(descriptor, false);
    }

    public LongValueState getLongState(final LongValueStateDescriptor descriptor)
    {
        return register(descriptor, false);
    }

    public <T> ListState<T> getListState(final ListStateDescriptor<T> descriptor)
    {
        return register(descriptor, false);
    }

    public LongListState getLongListState(final LongListStateDescriptor descriptor)
    {
        return register(descriptor, false);
    }

    public <UK, UV> MapState<UK, UV> getMapState(final MapStateDescriptor<UK, UV> descriptor)
    {
        return register(descriptor, false);
    }

    public <T> ReducingState<T> getReducingState(final ReducingStateDescriptor<T> descriptor)
    {
        return register(descriptor, false);
    }

    public <IN, ACC, OUT> AggregatingState<IN, OUT> getAggregatingState(
        final AggregatingStateDescriptor<IN, ACC, OUT> descriptor)
    {
        return register(descriptor, false);
    }

    /**
     * A view of any kind whose entries are also scoped by a namespace (window operators: the window start). The
     * returned view implements {@link NamespacedState}; set the namespace before each access.
     *
     * @param <S> the view type matching the descriptor, e.g. {@code ListState<T>} for a {@link ListStateDescriptor}.
     */
    public <S extends State> S getNamespacedState(final StateDescriptor descriptor)
    {
        return register(descriptor, true);
    }

    /**
     * The states this shard registered, in its registration order, for checkpoint manifests and
     * {@link TtlSnapshotFilter}. Immutable.
     */
    public List<RegisteredState> registeredStates()
    {
        return registeredView;
    }

    /**
     * Run one incremental TTL cleanup step for every state that cleans up per duty cycle. The shard calls it in the
     * duty cycles that did work, so that the cleanup keeps pace with the state's writes.
     */
    public void onDutyCycle()
    {
        for (int i = 0, size = perCycleCleanups.size(); i < size; i++)
        {
            perCycleCleanups.get(i).step();
        }
    }

    public KeyedStateStore store()
    {
        return store;
    }

    /** The shard's current key, which the views read; engine operators that walk keys of their own set it. */
    public KeyContext keyContext()
    {
        return keyContext;
    }

    @SuppressWarnings("unchecked")
    private <S extends State> S register(final StateDescriptor descriptor, final boolean namespaced)
    {
        Objects.requireNonNull(descriptor, "descriptor");
        final Registration existing = byName.get(descriptor.name());
        if (existing != null)
        {
            existing.checkCompatible(descriptor, namespaced);
            return (S)existing.view;
        }
        final StateTtlConfig ttlConfig = descriptor.ttlConfig();
        final RegisteredState registration = stateIds.register(new RegisteredState(
            0,
            descriptor.name(),
            descriptor.kind(),
            descriptor.valueCodecId(),
            descriptor.userKeyCodecId(),
            ttlConfig.isEnabled() ? ttlConfig.ttlMs() : 0,
            namespaced,
            ttlConfig.isEnabled() && ttlConfig.cleanupInSnapshot()));
        final AbstractStateView view = createView(descriptor, registration);
        if (ttlConfig.isEnabled() && ttlConfig.incrementalCleanupSize() > 0)
        {
            final TtlIncrementalCleanup cleanup =
                new TtlIncrementalCleanup(cleanupWalk(), view, ttlConfig.incrementalCleanupSize());
            if (ttlConfig.incrementalCleanupPerRecord())
            {
                view.perRecordCleanup(cleanup);
            }
            else
            {
                perCycleCleanups.add(cleanup);
            }
        }
        byName.put(descriptor.name(), new Registration(descriptor, namespaced, view));
        registered.add(registration);
        registeredView = Collections.unmodifiableList(new ArrayList<>(registered));
        return (S)view;
    }

    /** The walk that feeds every incremental cleanup of this store, made with the first. */
    private TtlCleanupWalk cleanupWalk()
    {
        if (null == cleanupWalk)
        {
            cleanupWalk = new TtlCleanupWalk(store);
        }
        return cleanupWalk;
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private AbstractStateView createView(final StateDescriptor descriptor, final RegisteredState registration)
    {
        if (descriptor instanceof ValueStateDescriptor)
        {
            return new ValueStateView<>(store, keyContext, ttlClock, registration, (ValueStateDescriptor)descriptor);
        }
        if (descriptor instanceof LongValueStateDescriptor)
        {
            return new LongValueStateView(
                store, keyContext, ttlClock, registration, (LongValueStateDescriptor)descriptor);
        }
        if (descriptor instanceof ListStateDescriptor)
        {
            return new ObjectListStateView<>(
                store, keyContext, ttlClock, registration, (ListStateDescriptor)descriptor);
        }
        if (descriptor instanceof LongListStateDescriptor)
        {
            return new LongListStateView(
                store, keyContext, ttlClock, registration, (LongListStateDescriptor)descriptor);
        }
        if (descriptor instanceof MapStateDescriptor)
        {
            return new MapStateView<>(store, keyContext, ttlClock, registration, (MapStateDescriptor)descriptor);
        }
        if (descriptor instanceof ReducingStateDescriptor)
        {
            return new ReducingStateView<>(
                store, keyContext, ttlClock, registration, (ReducingStateDescriptor)descriptor);
        }
        if (descriptor instanceof AggregatingStateDescriptor)
        {
            return new AggregatingStateView<>(
                store, keyContext, ttlClock, registration, (AggregatingStateDescriptor)descriptor);
        }
        throw new IllegalArgumentException("state '" + descriptor.name() + "': unsupported descriptor type " +
            descriptor.getClass().getName() + "; use one of the descriptors in io.weir.api.state");
    }

    private static final class Registration
    {
        final StateDescriptor descriptor;
        final boolean namespaced;
        final AbstractStateView view;

        Registration(final StateDescriptor descriptor, final boolean namespaced, final AbstractStateView view)
        {
            this.descriptor = descriptor;
            this.namespaced = namespaced;
            this.view = view;
        }

        void checkCompatible(final StateDescriptor other, final boolean otherNamespaced)
        {
            if (other.getClass() != descriptor.getClass() || otherNamespaced != namespaced)
            {
                throw new IllegalArgumentException("state '" + descriptor.name() + "' is already registered as " +
                    describe(descriptor, namespaced) + " and cannot be registered again as " +
                    describe(other, otherNamespaced) + "; give the new state a different name");
            }
        }

        private static String describe(final StateDescriptor descriptor, final boolean namespaced)
        {
            return (namespaced ? "namespaced " : "") + descriptor.getClass().getSimpleName() +
                " (kind " + descriptor.kind() + ")";
        }
    }
}
