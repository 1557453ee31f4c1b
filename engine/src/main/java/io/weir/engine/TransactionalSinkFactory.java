package io.weir.engine;

import io.weir.api.connector.TransactionalSinkWriter;
import java.util.List;
import java.util.Map;

/**
 * A {@link SinkFactory} whose writers are {@link TransactionalSinkWriter}s. Called from the thread wiring the
 * job, before any writer is created, and from the thread awaiting it ({@link #onPartsCommitted} from the checkpoint
 * thread).
 * <p>
 * A factory that keeps files holds their directory against other jobs (a {@link io.weir.snapshot.DirectoryLock})
 * from its first {@link #startFresh}, {@link #restore} or {@link #createWriter} until {@link #onJobFailed} or
 * {@link #onFinishRecorded}. It makes every part file's directory entry durable when it creates the file, before
 * a writer reports it at a pre-commit: the checkpoint thread fsyncs only the file's data.
 * <p>
 * At the end of a checkpointed job the steps are: {@link #onJobSucceeded} publishes the output durably and keeps
 * the parts, the job records its end durably (the checkpoint directory's {@code FINISHED} marker), then
 * {@link #onFinishRecorded} removes the parts. A crash before the marker resumes from a checkpoint, which needs
 * the parts; a crash after it starts afresh.
 */
public interface TransactionalSinkFactory<O> extends SinkFactory<O>
{
    /** Stable name of this sink within the job (recorded in manifests), e.g. {@code out}, {@code late}. */
    String sinkId();

    /** A fresh run: discard every part file left by earlier runs. */
    void startFresh();

    /**
     * Recovery: cut each listed part file back to its committed length, delete part files that no completed
     * checkpoint committed, and write new output to new part files. Changes nothing if a committed part is missing.
     *
     * @param committedLengths part name &rarr; committed length in bytes.
     */
    void restore(Map<String, Long> committedLengths);

    /**
     * A checkpoint (or savepoint) is complete: each of its writers' parts in {@code parts} (this factory's, and
     * other sinks') holds final rows below its committed length, unless a later restore, which starts a new run,
     * cuts it back. The factory may start assembling its output from them, so that less is left for
     * {@link #onJobSucceeded}. Called on the checkpoint thread, never after {@link #onJobSucceeded}, but possibly
     * after {@link #onJobFailed} (a checkpoint completing while the job stops), when it must do nothing; what it
     * throws fails the job.
     */
    default void onPartsCommitted(final List<TransactionalSinkWriter.PartPosition> parts)
    {
    }

    /**
     * The output is published ({@link #onJobSucceeded}) and the job's end is recorded durably: no restore can
     * need the committed parts any more; remove them and release their directory.
     */
    default void onFinishRecorded()
    {
    }
}
