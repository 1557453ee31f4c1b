package io.weir.api.state;

import java.util.List;

/** An appendable list per key. {@link #add} writes one element; it never rewrites the list. */
public interface ListState<T> extends State
{
    /** Appends {@code value} to the current key's list. */
    void add(T value);

    /** Appends every element of {@code values}, in order. */
    void addAll(List<T> values);

    /** Replace the whole list. */
    void update(List<T> values);

    /** @return the elements in insertion order (expired elements skipped); empty, never null. */
    List<T> get();

    /** @return number of visible elements. */
    int size();
}
