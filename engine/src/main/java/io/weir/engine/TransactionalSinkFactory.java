package io.weir.engine;

import java.util.Map;

/**
 * A {@link SinkFactory} whose writers are {@link TransactionalSinkWriter}s. Called from the thread wiring the
 * job, before any writer is created.
 */
public interface TransactionalSinkFactory<O> extends SinkFactory<O>
{
    /** Stable name of this sink within the job (recorded in manifests), e.g. {@code out}, {@code late}. */
    String sinkId();

    /** A fresh run: discard every part file left by earlier runs. */
    void startFresh();

    /**
     * Recovery: cut each listed part file back to its committed length, delete part files that no completed
     * checkpoint committed, and write new output to new part files.
     *
     * @param committedLengths part name &rarr; committed length in bytes.
     */
    void restore(Map<String, Long> committedLengths);
}
