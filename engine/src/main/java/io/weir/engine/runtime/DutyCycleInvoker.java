package io.weir.engine.runtime;

import io.weir.api.dataflow.JobInvoker;
import org.agrona.concurrent.AgentTerminationException;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The invoker of a job built with {@link io.weir.api.ThreadingMode#INVOKER}: runs the {@link AgentGroup} of the
 * job's sources and shards on whichever thread calls {@link #invoke()} (Aeron's {@code AgentInvoker}). One thread
 * at a time: each call takes the group for its duration, so the group's memory is handed over with it when another
 * thread takes the next call (a volatile write and compare-and-set, tens of nanoseconds).
 */
public final class DutyCycleInvoker implements JobInvoker
{
    private final AgentGroup group;
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private volatile boolean started;
    private volatile boolean done;

    public DutyCycleInvoker(final AgentGroup group)
    {
        this.group = group;
    }

    /** Open every agent (shards load any restored state) on the calling thread; called by {@code start()}. */
    public void start()
    {
        acquire();
        try
        {
            group.onStart();
            started = true;
        }
        finally
        {
            owner.set(null);
        }
    }

    public int invoke()
    {
        final Thread thread = Thread.currentThread();
        if (!owner.compareAndSet(null, thread))
        {
            throw new IllegalStateException(owner.get() == thread ?
                "the job's invoker was called from a function it runs: invoke it from the application's loop only" :
                "the job's invoker is being run by " + owner.get().getName() + ": invoke it from one thread at a " +
                "time");
        }
        try
        {
            return cycle();
        }
        finally
        {
            owner.set(null);
        }
    }

    /**
     * Run one duty cycle unless some thread (this one included, further up its stack) is running one now: a
     * producer meeting back-pressure drains the rings this way.
     *
     * @return the work done; 0 if another call was running.
     */
    public int tryInvoke()
    {
        if (!owner.compareAndSet(null, Thread.currentThread()))
        {
            return 0;
        }
        try
        {
            return cycle();
        }
        finally
        {
            owner.set(null);
        }
    }

    private int cycle()
    {
        if (done || !started)
        {
            return 0;
        }
        try
        {
            return group.doWork();
        }
        catch (final AgentTerminationException ex)
        {
            done = true;
            group.onClose();
            return 1;
        }
    }

    public boolean isDone()
    {
        return done;
    }

    /**
     * Close the agents still running; waits for a call in progress on another thread to return first (the job
     * was aborted, so it returns within a cycle). Any thread.
     */
    public void close()
    {
        acquire();
        try
        {
            if (!done)
            {
                done = true;
                if (started)
                {
                    group.onClose();
                }
            }
        }
        finally
        {
            owner.set(null);
        }
    }

    private void acquire()
    {
        final Thread thread = Thread.currentThread();
        while (!owner.compareAndSet(null, thread))
        {
            if (owner.get() == thread)
            {
                throw new IllegalStateException("the job cannot be started or closed from a function it runs");
            }
            Thread.onSpinWait();
        }
    }
}
