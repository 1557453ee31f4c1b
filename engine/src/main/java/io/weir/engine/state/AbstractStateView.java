package io.weir.engine.state;

import io.weir.api.state.State;
import io.weir.api.state.StateDescriptor;
import io.weir.state.changes.KeyLogIndex;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;

/**
 * Plumbing shared by the typed views: the composite key of the current key (and namespace), reused direct scratch
 * buffers (stores such as LMDB require off-heap memory) and the TTL read path.
 * <p>
 * Owned by the shard thread: every method is called from it, with the {@link KeyContext} set to the current key.
 */
abstract class AbstractStateView implements State, NamespacedState
{
    static final int ABSENT = 0;
    static final int PRESENT = 1;
    static final int REMOVED_EXPIRED = 2;
    private static final long NO_GENERATION = -1;

    final KeyedStateStore store;
    final KeyContext keyContext;
    final EpochClock clock;
    final RegisteredState registration;
    final int stateId;
    final boolean namespaced;
    final TtlPolicy ttl;
    /** Offset of the user payload in a data entry's value: after the TTL timestamp when TTL is on. */
    final int payloadOffset;
    /**
     * The store key of an operation: its base key ({@link #writeBaseKey}, which skips bytes already there), then any
     * suffix. Code that writes its first bytes other than through {@link #writeBaseKey} calls {@link #forgetBaseKey}.
     */
    final ExpandableDirectByteBuffer keyBuffer;
    final ExpandableDirectByteBuffer valueBuffer = new ExpandableDirectByteBuffer(128);

    /** Outcome of the last {@link #readVisible}: {@link #ABSENT}, {@link #PRESENT} or {@link #REMOVED_EXPIRED}. */
    int lastReadOutcome;
    /**
     * The key generation and namespace whose base key {@link #keyBuffer} holds at offset 0, {@link #writtenLength}
     * bytes long; the generation {@link #NO_GENERATION} when it holds none.
     */
    private long writtenGeneration = NO_GENERATION;
    private long writtenNamespace;
    private int writtenLength;
    private long namespace;
    private TtlIncrementalCleanup perRecordCleanup;

    AbstractStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final StateDescriptor descriptor)
    {
        this.store = store;
        this.keyContext = keyContext;
        this.clock = clock;
        this.registration = registration;
        this.stateId = registration.id();
        this.namespaced = registration.namespaced();
        this.ttl = TtlPolicy.of(descriptor.ttlConfig());
        this.payloadOffset = ttl != null ? StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH : 0;
        this.keyBuffer = new ExpandableDirectByteBuffer(keyContext.maxKeyLength() + 64);
    }

    public final void setNamespace(final long namespace)
    {
        if (!namespaced)
        {
            throw new IllegalStateException("state '" + registration.name() + "' is not namespaced: register it " +
                "with KeyedStateRegistry.getNamespacedState to scope it by namespace");
        }
        this.namespace = namespace;
    }

    /** The namespace set last (meaningful for namespaced states only). */
    final long currentNamespace()
    {
        return namespace;
    }

    final void perRecordCleanup(final TtlIncrementalCleanup cleanup)
    {
        this.perRecordCleanup = cleanup;
    }

    /** The cleanup that steps on every access, or null (tests). */
    final TtlIncrementalCleanup perRecordCleanup()
    {
        return perRecordCleanup;
    }

    /** Called at the start of every public operation, before any scratch buffer is filled. */
    final void onAccess()
    {
        if (perRecordCleanup != null)
        {
            perRecordCleanup.step();
        }
    }

    final long nowMs()
    {
        return ttl != null ? clock.time() : 0L;
    }

    /** Write {@code [prefix][namespace?]} at offset 0 of {@code dst}; returns its length. */
    final int writeBaseKey(final MutableDirectBuffer dst)
    {
        return writeBaseKey(dst, namespace);
    }

    /**
     * Write {@code [prefix][namespace?]} of the current key under {@code namespace} at offset 0 of {@code dst}. Into
     * {@link #keyBuffer}, bytes it already holds for the current key and namespace are not written again: an event's
     * or a timer's operations on one state then write its key once. The check is kept small enough to be inlined.
     */
    final int writeBaseKey(final MutableDirectBuffer dst, final long namespace)
    {
        if (dst == keyBuffer && keyContext.keyGeneration() == writtenGeneration && namespace == writtenNamespace)
        {
            return writtenLength;
        }
        return writeBaseKeyBytes(dst, namespace);
    }

    private int writeBaseKeyBytes(final MutableDirectBuffer dst, final long namespace)
    {
        int length = keyContext.writePrefix(dst, stateId);
        if (namespaced)
        {
            dst.putLong(length, namespace, ByteOrder.BIG_ENDIAN);
            length += StateLayoutDescriptor.NAMESPACE_LENGTH;
        }
        if (dst == keyBuffer)
        {
            writtenGeneration = keyContext.keyGeneration();
            writtenNamespace = namespace;
            writtenLength = length;
        }
        return length;
    }

    /** Called after {@link #keyBuffer}'s base key bytes were overwritten other than by {@link #writeBaseKey}. */
    final void forgetBaseKey()
    {
        writtenGeneration = NO_GENERATION;
    }

    /**
     * Store {@code record[0, recordLength)} under {@link #keyBuffer} unless it equals the record this operation read
     * into {@link #valueBuffer} ({@code readLength} payload bytes after {@link #payloadOffset}, or
     * {@link KeyedStateStore#MISSING}). An add that leaves the value as it was (a maximum that a lower element did
     * not raise) then costs no write, no change-log record and nothing in the next delta. With TTL the stamps
     * differ unless the stored one is of this millisecond, so the write that refreshes the TTL still happens.
     */
    final void putIfChanged(
        final int keyLength, final DirectBuffer record, final int recordLength, final int readLength)
    {
        if (readLength == KeyedStateStore.MISSING || payloadOffset + readLength != recordLength ||
            !KeyLogIndex.sameBytes(valueBuffer, 0, record, 0, recordLength))
        {
            store.put(keyBuffer, keyLength, record, 0, recordLength);
        }
    }

    /** Write the TTL timestamp (when TTL is on) at offset 0 of a value about to be stored. */
    final void stamp(final MutableDirectBuffer value, final long nowMs)
    {
        if (ttl != null)
        {
            value.putLong(0, nowMs, ByteOrder.BIG_ENDIAN);
        }
    }

    /**
     * Read a data entry and apply TTL: an expired entry is removed when cleanup on access is on, and returned only
     * with {@code RETURN_EXPIRED_IF_NOT_CLEANED_UP}; a live one is re-stamped when reads refresh.
     *
     * @return the payload length (payload at {@link #payloadOffset} of {@code valueOut}), or
     * {@link KeyedStateStore#MISSING} when absent or hidden; {@link #lastReadOutcome} tells which.
     */
    final int readVisible(
        final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut, final long nowMs,
        final boolean refreshOnRead)
    {
        final int length = store.get(key, keyLength, valueOut);
        if (length == KeyedStateStore.MISSING)
        {
            lastReadOutcome = ABSENT;
            return KeyedStateStore.MISSING;
        }
        lastReadOutcome = PRESENT;
        if (ttl == null)
        {
            return length;
        }
        checkTtlLength(length);
        final long lastAccessMs = valueOut.getLong(0, ByteOrder.BIG_ENDIAN);
        if (ttl.isExpired(lastAccessMs, nowMs))
        {
            if (ttl.cleanupOnAccess)
            {
                removeExpired(key, keyLength, valueOut);
                lastReadOutcome = REMOVED_EXPIRED;
            }
            return ttl.returnExpired ? length - payloadOffset : KeyedStateStore.MISSING;
        }
        if (refreshOnRead && ttl.refreshOnRead && lastAccessMs != nowMs)
        {
            valueOut.putLong(0, nowMs, ByteOrder.BIG_ENDIAN);
            store.put(key, keyLength, valueOut, 0, length);
        }
        return length - payloadOffset;
    }

    /** Remove a data entry found expired; the value is still in {@code value}. Maps override to fix the slots. */
    void removeExpired(final DirectBuffer key, final int keyLength, final DirectBuffer value)
    {
        store.remove(key, keyLength);
    }

    /**
     * Incremental cleanup of one data entry whose composite key is {@code src[offset, offset + length)}: remove it
     * if it has expired. Called from the shard thread between operations.
     *
     * @return 1 if an entry was removed, else 0.
     */
    int cleanupIfExpired(final DirectBuffer src, final int offset, final int length)
    {
        keyBuffer.putBytes(0, src, offset, length);
        forgetBaseKey();
        final int valueLength = store.get(keyBuffer, length, valueBuffer);
        if (valueLength == KeyedStateStore.MISSING || valueLength < StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH ||
            !StateLayoutDescriptor.isDataEntry(registration.kind(), keyBuffer, length, namespaced, valueLength))
        {
            return 0;
        }
        if (ttl.isExpired(valueBuffer.getLong(0, ByteOrder.BIG_ENDIAN), clock.time()))
        {
            removeExpired(keyBuffer, length, valueBuffer);
            return 1;
        }
        return 0;
    }

    final void checkTtlLength(final int length)
    {
        if (length < StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH)
        {
            throw new IllegalStateException("state '" + registration.name() + "' has TTL on but a stored value of " +
                length + " bytes has no 8-byte timestamp: was TTL enabled on a state restored without it?");
        }
    }

    final IllegalStateException corrupt(final String what, final int length)
    {
        return new IllegalStateException("state '" + registration.name() + "': " + what + " has " + length +
            " bytes, which does not match the layout of StateLayoutDescriptor; was the state id reused by another " +
            "state kind?");
    }
}
