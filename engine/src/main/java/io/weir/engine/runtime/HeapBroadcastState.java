package io.weir.engine.runtime;

import io.weir.api.codec.Codec;
import io.weir.api.state.BroadcastState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReadOnlyBroadcastState;
import io.weir.snapshot.BroadcastStateDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Object2ObjectHashMap;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * One broadcast state of one operator instance, on the heap: an open-addressing map whose {@link #get} does not
 * allocate. {@link #readOnly()} is the view keyed elements get, which offers no way to change it. Called only
 * from the thread that runs the instance.
 */
public final class HeapBroadcastState<K, V> implements BroadcastState<K, V>
{
    private final MapStateDescriptor<K, V> descriptor;
    private final byte[] nameUtf8;
    private final Object2ObjectHashMap<K, V> map = new Object2ObjectHashMap<>();
    private final Iterable<Map.Entry<K, V>> immutableEntries = Collections.unmodifiableMap(map).entrySet();
    private final ReadOnlyBroadcastState<K, V> readOnly = new ReadOnlyView();

    HeapBroadcastState(final MapStateDescriptor<K, V> descriptor)
    {
        this.descriptor = descriptor;
        this.nameUtf8 = descriptor.name().getBytes(StandardCharsets.UTF_8);
    }

    MapStateDescriptor<K, V> descriptor()
    {
        return descriptor;
    }

    /** The view handed to keyed elements. */
    ReadOnlyBroadcastState<K, V> readOnly()
    {
        return readOnly;
    }

    public V get(final K key)
    {
        return map.get(key);
    }

    public boolean contains(final K key)
    {
        return map.containsKey(key);
    }

    public Iterable<Map.Entry<K, V>> immutableEntries()
    {
        return immutableEntries;
    }

    public void put(final K key, final V value)
    {
        map.put(Objects.requireNonNull(key, "key"),
            Objects.requireNonNull(value, () -> "broadcast state '" + descriptor.name() + "': null value for " + key));
    }

    public void putAll(final Map<K, V> values)
    {
        values.forEach(this::put);
    }

    public void remove(final K key)
    {
        map.remove(key);
    }

    public void clear()
    {
        map.clear();
    }

    public Iterator<Map.Entry<K, V>> iterator()
    {
        return map.entrySet().iterator();
    }

    public Iterable<Map.Entry<K, V>> entries()
    {
        return map.entrySet();
    }

    int size()
    {
        return map.size();
    }

    /**
     * Append every entry to {@code out} at {@code offset} as {@code [keyLength int][key][valueLength int][value]},
     * the key as {@link BroadcastStateDescriptor} lays it out.
     *
     * @return the offset after the last entry.
     */
    int encode(final ExpandableArrayBuffer out, final int offset)
    {
        int at = offset;
        for (final Map.Entry<K, V> entry : map.entrySet())
        {
            final Codec<K> keyCodec = descriptor.userKeyCodec();
            final Codec<V> valueCodec = descriptor.valueCodec();
            final int userKeyLength = keyCodec.encodedLength(entry.getKey());
            final int keyLength = BroadcastStateDescriptor.NAME_OFFSET + nameUtf8.length + userKeyLength;
            out.checkLimit(at + Integer.BYTES + keyLength);
            out.putInt(at, keyLength);
            final int userKey = BroadcastStateDescriptor.writeName(out, at + Integer.BYTES, nameUtf8);
            final int keyWritten = keyCodec.encode(entry.getKey(), out, userKey);
            if (keyWritten != userKeyLength) // off the hot path: checked with Agrona's bounds checks off too
            {
                throw EncodedLengths.mismatch(keyCodec, userKeyLength, keyWritten);
            }
            at += Integer.BYTES + keyLength;
            final int valueLength = valueCodec.encodedLength(entry.getValue());
            out.checkLimit(at + Integer.BYTES + valueLength);
            out.putInt(at, valueLength);
            final int valueWritten = valueCodec.encode(entry.getValue(), out, at + Integer.BYTES);
            if (valueWritten != valueLength)
            {
                throw EncodedLengths.mismatch(valueCodec, valueLength, valueWritten);
            }
            at += Integer.BYTES + valueLength;
        }
        return at;
    }

    /** Put one entry read from a checkpoint: {@code key} as {@link BroadcastStateDescriptor} lays it out. */
    void restore(
        final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer value,
        final int valueOffset, final int valueLength)
    {
        final int userKey = BroadcastStateDescriptor.userKeyOffset(key, keyOffset, keyLength);
        final K k = descriptor.userKeyCodec().decode(key, userKey, keyLength - (userKey - keyOffset), null);
        final V v = descriptor.valueCodec().decode(value, valueOffset, valueLength, null);
        map.put(k, v);
    }

    private final class ReadOnlyView implements ReadOnlyBroadcastState<K, V>
    {
        public V get(final K key)
        {
            return map.get(key);
        }

        public boolean contains(final K key)
        {
            return map.containsKey(key);
        }

        public Iterable<Map.Entry<K, V>> immutableEntries()
        {
            return immutableEntries;
        }

        public void clear()
        {
            throw new UnsupportedOperationException("broadcast state '" + descriptor.name() + "' is read-only in " +
                "processElement and onTimer; change it in processBroadcastElement");
        }
    }
}
