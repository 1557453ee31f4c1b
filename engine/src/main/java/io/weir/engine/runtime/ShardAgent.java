package io.weir.engine.runtime;

import io.weir.engine.counters.ShardCounters;
import io.weir.engine.state.KeyedStateRegistry;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.EpochClock;

/**
 * A shard: one thread that runs, for its contiguous range of key groups, one instance of every stage of the job
 * ({@link OperatorChain}s, in topological order: Flink's slot sharing). Each stage instance owns its input gate,
 * state, timers and output gate; nothing is shared with other threads except through rings.
 * <p>
 * Duty cycle: read the clock once; step every stage instance in order ({@link OperatorChain#doWork}); publish
 * counters. The agent ends once every stage instance is done: its input ended and its output drained, or a
 * stopping savepoint passed it. No stage is stepped until every shard of the job has opened
 * ({@link JobStatus#shardsOpen}). Every method is called from the shard thread, except {@link #open} (see there) and
 * the read-only accessors documented otherwise.
 */
public final class ShardAgent implements Agent
{
    private final int shardId;
    private final JobStatus status;
    private final EpochClock clock;
    private final OperatorChain<?, ?, ?>[] stages;
    /** This shard's ring of every producer, in producer order, whichever stage it feeds: sampled by counters. */
    private final org.agrona.concurrent.ringbuffer.RingBuffer[] producerRings;
    /** Null when the job publishes no counters. */
    private ShardCounters counters;
    private boolean opened;
    /** Set once every shard of the job has opened; shard thread only. */
    private boolean allShardsOpen;
    /** Per stage; null when the job publishes no counters. */
    private io.weir.engine.counters.OperatorCounters[] operatorCounters;

    /**
     * @param stages this thread's instance of every stage, in topological order (a stage's upstream stages on
     *               this thread come before it, so that a record sent to this thread is read in the same cycle).
     */
    public ShardAgent(final int shardId, final JobStatus status, final EpochClock clock,
        final OperatorChain<?, ?, ?>[] stages, final org.agrona.concurrent.AtomicBuffer[] producerRings)
    {
        if (0 == stages.length)
        {
            throw new IllegalArgumentException("shard " + shardId + " has no stage");
        }
        this.shardId = shardId;
        this.status = status;
        this.clock = clock;
        this.stages = stages;
        this.producerRings = new org.agrona.concurrent.ringbuffer.RingBuffer[producerRings.length];
        for (int p = 0; p < producerRings.length; p++)
        {
            this.producerRings[p] = new org.agrona.concurrent.ringbuffer.OneToOneRingBuffer(producerRings[p]);
        }
    }

    /** Publish this shard's counters from its duty cycle; called before the shard thread starts. */
    public void counters(final ShardCounters counters, final io.weir.engine.counters.OperatorCounters[] operators)
    {
        if (operators.length != 0 && operators.length != stages.length)
        {
            throw new IllegalArgumentException("shard " + shardId + " has " + stages.length + " stages but " +
                operators.length + " operator counters");
        }
        this.counters = counters.bind(producerRings, stages[0].store());
        this.operatorCounters = operators.length == 0 ? null : operators;
    }

    public String roleName()
    {
        return "weir-shard-" + shardId;
    }

    public void onStart()
    {
        open();
    }

    /**
     * Open every stage (idempotent), then tell the job's status: once every shard has, the shards step and the
     * sources read. Called by the thread that runs the shard (its own, the SHARED group's, or INVOKER's caller of
     * start), before its first duty cycle; exposed so tests stepping the agent by hand need no runner.
     */
    public void open()
    {
        if (!opened)
        {
            for (final OperatorChain<?, ?, ?> stage : stages)
            {
                stage.open();
            }
            opened = true;
            status.shardOpened();
        }
    }

    public int doWork()
    {
        if (status.isAborting())
        {
            throw new AgentTerminationException();
        }
        if (!allShardsOpen && !(allShardsOpen = status.shardsOpen()))
        {
            return 0;
        }
        try
        {
            final long nowMs = clock.time();
            int work = 0;
            boolean done = true;
            for (final OperatorChain<?, ?, ?> stage : stages)
            {
                stage.nowMs(nowMs);
            }
            for (final OperatorChain<?, ?, ?> stage : stages)
            {
                work += stage.doWork(nowMs);
                done &= stage.isDone();
            }
            if (null != counters)
            {
                final OperatorChain<?, ?, ?> first = stages[0];
                counters.onDutyCycle(nowMs, first.eventsProcessed(), first.currentWatermark(), timersPending());
                if (null != operatorCounters)
                {
                    publishOperatorCounters();
                }
            }
            if (done)
            {
                // Every input ended and every output drained; or a stopping savepoint passed every stage, and the
                // output after the savepoint's committed lengths is not published (a restore resumes from it).
                throw new AgentTerminationException();
            }
            return work;
        }
        catch (final AgentTerminationException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            status.fail(ex);
            throw new AgentTerminationException(ex);
        }
    }

    public void onClose()
    {
        for (final OperatorChain<?, ?, ?> stage : stages)
        {
            stage.close(status);
        }
    }

    /**
     * Release the stages' state stores. Called by the job once this shard's thread and the checkpoint thread (which
     * may still be reading one of their snapshots) have stopped.
     */
    public void closeStore()
    {
        for (final OperatorChain<?, ?, ?> stage : stages)
        {
            stage.closeStore(status);
        }
    }

    private void publishOperatorCounters()
    {
        for (int st = 0; st < stages.length; st++)
        {
            final OperatorChain<?, ?, ?> stage = stages[st];
            operatorCounters[st].onDutyCycle(stage.eventsProcessed(), stage.eventsEmitted(), stage.backPressure());
        }
    }

    private int timersPending()
    {
        int pending = 0;
        for (final OperatorChain<?, ?, ?> stage : stages)
        {
            pending += stage.eventTimers().size() + stage.processingTimers().size();
        }
        return pending;
    }

    public int shardId()
    {
        return shardId;
    }

    /** This thread's stage instances, in topological order. */
    public OperatorChain<?, ?, ?>[] stages()
    {
        return stages.clone();
    }

    /** True once every stage has processed all its input; any thread. */
    public boolean isFinished()
    {
        for (final OperatorChain<?, ?, ?> stage : stages)
        {
            if (!stage.isFinished())
            {
                return false;
            }
        }
        return true;
    }

    /** Elements the first stage processed so far (the job's input on this shard); any thread. */
    public long eventsProcessed()
    {
        return stages[0].eventsProcessed();
    }

    /** Timers fired by every stage so far; any thread. */
    public long timersFired()
    {
        long fired = 0;
        for (final OperatorChain<?, ?, ?> stage : stages)
        {
            fired += stage.timersFired();
        }
        return fired;
    }

    /** Bytes held by the stages' state stores; any thread, approximate. */
    public long stateSizeBytes()
    {
        long total = 0;
        for (final OperatorChain<?, ?, ?> stage : stages)
        {
            total += stage.store().sizeBytes();
        }
        return total;
    }

    /** The first stage's state store. */
    public KeyedStateStore store()
    {
        return stages[0].store();
    }

    /** The first stage's state registry. */
    public KeyedStateRegistry stateRegistry()
    {
        return stages[0].stateRegistry();
    }

    /** The first stage's event-time timers. */
    public TimerQueue eventTimers()
    {
        return stages[0].eventTimers();
    }

    /** The first stage's processing-time timers. */
    public TimerQueue processingTimers()
    {
        return stages[0].processingTimers();
    }
}
