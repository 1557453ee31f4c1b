package io.weir.api.connector;

/**
 * A pull-based source of elements, driven by a source thread that offers each element to the job. Only that
 * thread calls it.
 */
public interface SourceReader<I> extends AutoCloseable
{
    /** Name for errors, metrics and checkpoints (e.g. the file path). */
    String name();

    /**
     * Advance to the next element.
     *
     * @return false at the end of the input.
     * @throws Exception on unreadable or malformed input, with a message naming where.
     */
    boolean next() throws Exception;

    /** The element {@link #next()} moved to; may be a reused instance, valid until the next call. */
    I current();

    /** Position after the current element, for checkpoints (a byte offset, a sequence number). */
    long position();

    /** Line number of the current element, for line-oriented sources (0 otherwise). */
    default long line()
    {
        return 0;
    }

    /**
     * Resume after a checkpoint: continue with the element after {@code position} (as returned by
     * {@link #position()} at the barrier).
     *
     * @throws UnsupportedOperationException if this source cannot rewind: it cannot take part in exactly-once.
     */
    default void seek(final long position, final long line) throws Exception
    {
        throw new UnsupportedOperationException(name() + " cannot resume from a checkpoint position");
    }

    @Override
    void close() throws Exception;
}
