package io.weir.api.state;

/**
 * A list of primitive longs per key: the {@link ListState} of {@code Long} that allocates nothing per call. It is stored
 * as a {@code ListState<Long>} of {@link io.weir.api.codec.LongCodec} is, so a state may change between the two across a
 * restore; with TTL each element expires on its own, as there.
 */
public interface LongListState extends State
{
    /** Appends {@code value} to the current key's list. */
    void add(long value);

    /**
     * Replace the current key's list with {@code values[0, count)}. Stored elements that begin the new list in order
     * are kept in place (without TTL), so dropping the oldest elements and appending writes little.
     */
    void update(long[] values, int count);

    /**
     * @return the current key's elements in insertion order (expired elements skipped), in a list owned by this state:
     * the next call on it overwrites the list; copy what must outlive that.
     */
    LongList get();

    /** @return number of visible elements. */
    int size();
}
