package io.weir.snapshot;

import org.agrona.DirectBuffer;

/**
 * Receives the live entries of a resolved chain, ordered by key group then key (unsigned lexicographic).
 * Buffers are only valid during the call.
 */
@FunctionalInterface
public interface ResolvedEntryHandler
{
    void onEntry(
        int keyGroup,
        DirectBuffer key,
        int keyOffset,
        int keyLength,
        DirectBuffer value,
        int valueOffset,
        int valueLength);
}
