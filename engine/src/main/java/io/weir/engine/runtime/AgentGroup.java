package io.weir.engine.runtime;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;

import java.util.List;

/**
 * Several agents run by one thread, each duty cycle stepping every agent still running, in order (Aeron's
 * {@code CompositeAgent}, except that an agent which ends is closed and dropped while the others go on). It ends
 * once every agent has ended. An agent's exception goes to the error handler, as {@link org.agrona.concurrent
 * .AgentRunner} would pass it, and ends that agent.
 * <p>
 * Every method is called from the thread that runs the group.
 */
public final class AgentGroup implements Agent
{
    private final String roleName;
    private final Agent[] agents;
    private final boolean[] running;
    private final ErrorHandler errorHandler;
    private int remaining;

    /**
     * @param agents in the order they are stepped: sources before the shards they feed, so that an element read in
     *               a cycle is processed in the same cycle.
     */
    public AgentGroup(final String roleName, final List<? extends Agent> agents, final ErrorHandler errorHandler)
    {
        this.roleName = roleName;
        this.agents = agents.toArray(new Agent[0]);
        this.running = new boolean[this.agents.length];
        this.errorHandler = errorHandler;
    }

    public String roleName()
    {
        return roleName;
    }

    public void onStart()
    {
        for (int i = 0; i < agents.length; i++)
        {
            agents[i].onStart();
            running[i] = true;
            remaining++;
        }
    }

    public int doWork()
    {
        int work = 0;
        for (int i = 0; i < agents.length; i++)
        {
            if (running[i])
            {
                try
                {
                    work += agents[i].doWork();
                }
                catch (final AgentTerminationException ex)
                {
                    end(i, ex);
                }
                catch (final Throwable ex)
                {
                    end(i, ex);
                }
            }
        }
        if (0 == remaining)
        {
            throw new AgentTerminationException();
        }
        return work;
    }

    private void end(final int i, final Throwable cause)
    {
        running[i] = false;
        remaining--;
        try
        {
            errorHandler.onError(cause);
        }
        finally
        {
            agents[i].onClose();
        }
    }

    /** Close every agent still running (the job stopped before they ended). */
    public void onClose()
    {
        for (int i = 0; i < agents.length; i++)
        {
            if (running[i])
            {
                running[i] = false;
                remaining--;
                agents[i].onClose();
            }
        }
    }

    /** True once every agent has ended or been closed. */
    boolean isDone()
    {
        return 0 == remaining;
    }
}
