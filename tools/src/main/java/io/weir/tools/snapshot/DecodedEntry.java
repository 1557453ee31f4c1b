package io.weir.tools.snapshot;

/**
 * One live state entry of a checkpoint, rendered for people.
 *
 * @param state          state name; {@code timers} for state id 0, {@code #ID} for an id the manifest does not name.
 * @param keyGroup       of the entry.
 * @param key            the key, decoded with the state's key codec, hex otherwise.
 * @param subkey         the namespace ({@code ns=N}), list element index or map user key; empty for value states.
 * @param value          decoded with the state's value codec, hex otherwise.
 * @param ttlTimestampMs last-access time leading a TTL'd value, or {@link #NO_TTL_TIMESTAMP}.
 */
record DecodedEntry(String state, int keyGroup, String key, String subkey, String value, long ttlTimestampMs)
{
    static final long NO_TTL_TIMESTAMP = Long.MIN_VALUE;

    /** Identity of the entry across checkpoints: state, key and subkey (key groups may be renumbered). */
    String identity()
    {
        return key + '\u0000' + subkey;
    }
}
