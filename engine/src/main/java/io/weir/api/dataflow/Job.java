package io.weir.api.dataflow;

import java.util.concurrent.TimeUnit;

/**
 * A wired job ({@link Dataflow#build}): {@link #start()} starts its threads, {@link #awaitTermination} waits for the
 * end of every input (rethrowing a failure), {@link #close()} stops it and frees everything. Lifecycle methods are
 * called from one application thread.
 */
public interface Job extends AutoCloseable
{
    /** The job's name. */
    String name();

    /** Start the job's threads. */
    Job start();

    /** True once every operator is open and has loaded any restored state; any thread. */
    boolean isReady();

    /**
     * The producer {@code index} (from 0) of the application source {@code source}; give each to one thread.
     */
    <T> SourceProducer<T> producer(String source, int index);

    /** Wait until every input ended and every operator finished; rethrows the job's failure. */
    void awaitTermination() throws InterruptedException;

    /** @return false if the timeout passed first. */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException;

    /**
     * The invoker that runs the job's duty cycles on the application's thread, for a job built with
     * {@code ThreadingMode.INVOKER}.
     *
     * @throws IllegalStateException if the job has threads of its own.
     */
    default JobInvoker invoker()
    {
        throw new IllegalStateException("job '" + name() + "' runs on its own threads: it has no invoker");
    }

    /** End the application producers' input, wait for the job to finish, and release it. */
    @Override
    void close();
}
