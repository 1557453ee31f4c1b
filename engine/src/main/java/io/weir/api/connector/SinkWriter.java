package io.weir.api.connector;

import io.weir.api.functions.Collector;

/**
 * One thread's end of a sink. Created on the wiring thread, then used only by the thread that runs the stage
 * writing to it; it must not block for long (buffer, and write in bulk).
 */
public interface SinkWriter<O> extends Collector<O>, AutoCloseable
{
    /** The stage has processed its last element and timer: flush everything. */
    default void onEndOfInput()
    {
    }

    /** Release resources; called once, on success or failure. */
    @Override
    void close();
}
