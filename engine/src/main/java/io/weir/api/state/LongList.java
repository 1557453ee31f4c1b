package io.weir.api.state;

/** A read-only sequence of primitive longs, e.g. the elements of a {@link LongListState}. */
public interface LongList
{
    int size();

    /** @return element {@code index}, from 0. */
    long get(int index);
}
