package io.weir.engine.runtime.snapshot;

import io.weir.engine.state.TtlSnapshotFilter;
import io.weir.snapshot.SnapshotFileWriter;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;

/**
 * Writes the entries a {@link io.weir.state.spi.StoreSnapshot} yields into a shard's state file: values as
 * puts, tombstones as tombstones, and values whose TTL expired left out of a full file and tombstoned in a
 * delta (so that an older value in the chain does not come back); a packed map is written without its expired
 * elements. Used by whichever thread reads the
 * snapshot: the checkpoint thread, with a {@link WriterPacer}, or the shard itself, without one.
 */
public final class StateFileEntryWriter implements EntryVisitor
{
    private final SnapshotFileWriter file;
    private final TtlSnapshotFilter ttlFilter;
    private final boolean full;
    private final WriterPacer pacer;
    private final boolean filtering;
    /** Created with the first entry a filtering writer keeps. */
    private TtlSnapshotFilter.LiveElements liveElements;

    /**
     * @param pacer paces the checkpoint thread between entries; null when the shard writes.
     */
    public StateFileEntryWriter(
        final SnapshotFileWriter file, final TtlSnapshotFilter ttlFilter, final boolean full, final WriterPacer pacer)
    {
        this.file = file;
        this.ttlFilter = ttlFilter;
        this.full = full;
        this.pacer = pacer;
        this.filtering = !ttlFilter.isEmpty();
    }

    public SnapshotFileWriter file()
    {
        return file;
    }

    private TtlSnapshotFilter.LiveElements liveElements()
    {
        if (null == liveElements)
        {
            liveElements = new TtlSnapshotFilter.LiveElements();
        }
        return liveElements;
    }

    public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (null != pacer)
        {
            pacer.onEntry();
        }
        final int keyGroup = StateKeyDescriptor.keyGroup(key);
        if (value == null)
        {
            file.tombstone(keyGroup, key, 0, keyLength);
        }
        else if (!filtering)
        {
            file.put(keyGroup, key, 0, keyLength, value, 0, valueLength);
        }
        else
        {
            final int liveLength = ttlFilter.isExpired(key, keyLength, value, valueLength) ? 0 :
                ttlFilter.liveElements(key, keyLength, value, valueLength, liveElements());
            if (liveLength < 0)
            {
                file.put(keyGroup, key, 0, keyLength, value, 0, valueLength);
            }
            else if (liveLength > 0)
            {
                file.put(keyGroup, key, 0, keyLength, liveElements.buffer(), 0, liveLength);
            }
            else if (!full)
            {
                file.tombstone(keyGroup, key, 0, keyLength);
            }
        }
    }
}
