package io.weir.flink;

import io.weir.api.connector.SinkFactory;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Job;
import io.weir.api.dataflow.SourceProducer;
import io.weir.engine.JobFailedException;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Weir dataflow submitted to Flink ({@link FlinkRunner#build}). When the Flink job ends, the Weir sinks are told
 * the outcome ({@link SinkFactory#onJobSucceeded} or {@link SinkFactory#onJobFailed}) on the thread that awaits
 * it, as on Weir; on a remote cluster the task manager that wrote them does ({@link SinkAdapter}). Lifecycle methods from one application thread.
 */
public final class FlinkJob implements Job
{
    private final Dataflow dataflow;
    private final StreamExecutionEnvironment env;
    private final GraphRef graph;
    private final boolean remote;
    private JobClient client;
    private boolean finished;
    private RuntimeException failure;

    FlinkJob(final Dataflow dataflow, final StreamExecutionEnvironment env, final GraphRef graph, final boolean remote)
    {
        this.dataflow = dataflow;
        this.env = env;
        this.graph = graph;
        this.remote = remote;
    }

    public String name()
    {
        return dataflow.name();
    }

    public FlinkJob start()
    {
        if (client != null)
        {
            throw new IllegalStateException("Flink job '" + name() + "' already started");
        }
        try
        {
            client = env.executeAsync(dataflow.name());
        }
        catch (final Exception ex)
        {
            finish(new JobFailedException("Flink job '" + name() + "' could not be submitted: " + ex, ex));
            throw failure;
        }
        return this;
    }

    public boolean isReady()
    {
        return client != null;
    }

    public <T> SourceProducer<T> producer(final String source, final int index)
    {
        throw new UnsupportedOperationException("Flink job '" + name() + "': application producers are not " +
            "supported on Flink; give source '" + source + "' a SourceReader");
    }

    public void awaitTermination() throws InterruptedException
    {
        awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
    }

    public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        if (client == null)
        {
            throw new IllegalStateException("Flink job '" + name() + "' not started");
        }
        if (!finished)
        {
            try
            {
                client.getJobExecutionResult().get(timeout, unit);
                finish(null);
            }
            catch (final TimeoutException ex)
            {
                return false;
            }
            catch (final ExecutionException ex)
            {
                finish(new JobFailedException("Flink job '" + name() + "' failed: " + rootCause(ex), ex.getCause()));
            }
        }
        if (failure != null)
        {
            throw failure;
        }
        return true;
    }

    private void finish(final RuntimeException failure)
    {
        finished = true;
        this.failure = failure;
        try
        {
            // On a remote cluster the sinks that wrote are the task manager's ({@link SinkAdapter} tells them).
            for (final SinkFactory<?> sink : remote ? java.util.List.<SinkFactory<?>>of() :
                FlinkTranslator.sinks(dataflow))
            {
                if (failure == null)
                {
                    sink.onJobSucceeded();
                }
                else
                {
                    sink.onJobFailed();
                }
            }
        }
        catch (final RuntimeException ex)
        {
            if (this.failure == null)
            {
                this.failure = ex;
            }
            else
            {
                this.failure.addSuppressed(ex);
            }
        }
        finally
        {
            graph.release();
        }
    }

    private static String rootCause(final Throwable ex)
    {
        Throwable cause = ex;
        while (cause.getCause() != null && cause.getCause() != cause)
        {
            cause = cause.getCause();
        }
        return String.valueOf(cause);
    }

    /** Cancels the job if it is still running, and waits for it. */
    public void close()
    {
        if (client == null || finished)
        {
            if (!finished)
            {
                finish(new JobFailedException("Flink job '" + name() + "' closed before it started", null));
            }
            return;
        }
        try
        {
            client.cancel().get();
        }
        catch (final Exception ignored)
        {
            // it may have ended meanwhile: its result says how
        }
        try
        {
            awaitTermination();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final RuntimeException ignored)
        {
            // a cancelled job's failure: the sinks were told
        }
    }
}
