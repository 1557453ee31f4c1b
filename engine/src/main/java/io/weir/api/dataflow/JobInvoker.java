package io.weir.api.dataflow;

/**
 * Runs a job's duty cycles on the calling thread, for a job built with {@code ThreadingMode.INVOKER}
 * ({@link Job#invoker()}). One thread invokes at a time; the job may be handed from one thread to another between
 * calls.
 */
public interface JobInvoker
{
    /**
     * Run one duty cycle of every source and shard of the job: read what was offered, process it, fire due timers,
     * take snapshot points of checkpoints whose barriers arrived. Does nothing once the job has finished.
     *
     * @return the work done (0 when there was nothing to do: the caller may idle).
     * @throws IllegalStateException if another thread is invoking at the same time, or if called from a
     *                               function the invoker itself runs.
     */
    int invoke();

    /** True once every source and shard has finished, or the job failed or was closed. */
    boolean isDone();
}
