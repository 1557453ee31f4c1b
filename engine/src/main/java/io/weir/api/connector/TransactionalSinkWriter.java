package io.weir.api.connector;

import java.nio.file.Path;

/**
 * A shard's sink writer that takes part in exactly-once checkpoints (two-phase commit). At the snapshot point
 * the shard calls {@link #preCommit()}: the writer hands its buffered output to the operating system and
 * reports how long its part file is (the file's directory entry is already durable: see
 * {@code TransactionalSinkFactory}). The checkpoint thread then fsyncs the file's data, and the checkpoint's manifest
 * records the length: output up to it is committed when the manifest is written. On recovery the sink cuts
 * every part file back to its committed length ({@code TransactionalSinkFactory.restore}).
 */
public interface TransactionalSinkWriter<O> extends SinkWriter<O>
{
    /** Called on the shard thread at the snapshot point; must not fsync (the checkpoint thread does). */
    PartPosition preCommit();

    /** A part file and its length at a snapshot point. */
    record PartPosition(String partName, Path path, long lengthBytes)
    {
    }
}
