package io.weir.engine;

import io.weir.api.functions.Collector;

/**
 * One shard's end of a sink. Created on the wiring thread, then used only by that shard's thread; it must not
 * block for long (buffer, and write in bulk).
 */
public interface SinkWriter<O> extends Collector<O>, AutoCloseable
{
    /** The shard has processed its last element and timer: flush everything. */
    default void onEndOfInput()
    {
    }

    /** Release resources; called once, on success or failure. */
    @Override
    void close();
}
